/**
 * Every subcommand is declared here. Each action normalises its options and lazily
 * imports its command module, so `synctl --help` loads nothing heavy.
 * A command returns a number to choose the exit code (verify: 1 = differences found).
 */
import { Command } from 'commander';
import { isSynctlError } from '../errors';
import { redact, setLogLevel } from '../log';
import { synctlVersion } from '../version';

type Action = (...args: never[]) => Promise<number | void>;

export interface Program {
  readonly program: Command;
  /** exit code chosen by the command that ran, if it chose one */
  readonly exitCode: () => number | undefined;
}

export function buildProgram(): Program {
  let chosen: number | undefined;
  const wrap =
    <A extends Action>(fn: A) =>
    async (...args: Parameters<A>): Promise<void> => {
      const r = await fn(...args);
      if (typeof r === 'number') chosen = r;
    };

  const program = new Command('synctl')
    .description('Log-based database replication: capture, transfer, route and apply changes\nacross MySQL/MariaDB, PostgreSQL and SQL Server.')
    .version(synctlVersion())
    .option('--debug', 'show stack traces and debug logs')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  synctl config check dmhs.hs                   validate a site config, print the resolved site
  synctl encrypt 'secret'                       ciphertext for db_pwd when base/pwd_encipher=1
  synctl copy 0 "SCH.NAME='app'" DICT           offline dictionary of the matching source tables
  synctl copy 0 "SCH.NAME='app'" CREATE|INSERT|INDEX|THREAD|4
                                                initial load into the exec side's target (CONTINUE resumes)
  synctl verify -c site.hs "SCH.NAME='app'"     compare source and target tables, exit 0 only when equal
  synctl exec -c exec.hs                        apply received changes to the target, exactly once
  synctl capture -c cpt.hs --offline /backup/binlogs
                                                decode archived binlogs, send to the next hop, resume next run
  synctl transfer -c transfer.hs                receive, then fan out to every next hop
  synctl route -c route.hs                      forward between sites by siteid rules
  cat frames | synctl transfer --from - --to dir:/gap/out
                                                frames on stdin, file drop for an air gap`,
    );
  program.hook('preAction', (cmd) => {
    if (cmd.optsWithGlobals().debug) {
      // log.ts read SYNCTL_LOG when it was loaded; the env var is for processes started from here
      process.env.SYNCTL_LOG = 'debug';
      setLogLevel('debug');
    }
  });

  const config = program.command('config').description('work with dmhs.hs site config files');
  config
    .command('check')
    .description('validate a dmhs.hs file and print the resolved site (roles, ports, hops, filters)')
    .argument('<file>', 'the dmhs.hs file')
    .option('--json', 'print the resolved config as JSON')
    .option('--key-file <path>', 'key file for encrypted passwords (default: see README)')
    .addHelpText('after', '\nExamples:\n  synctl config check dmhs.hs\n  synctl config check examples/air-gap/exec.hs --json')
    .action(
      wrap(async (file: string, opts: { json?: boolean; keyFile?: string }) => {
        const m = await import('./commands/config-check.js');
        return m.configCheck({ file, json: opts.json === true, keyFile: opts.keyFile });
      }),
    );

  program
    .command('encrypt')
    .description('print the ciphertext of a password for db_pwd when base/pwd_encipher=1 (AES-256-GCM)')
    .argument('<password>', 'the clear-text password')
    .option('--key-file <path>', 'key file (created on first use; default: see README)')
    .addHelpText('after', "\nExample:\n  synctl encrypt 'secret'      # paste the output into <db_pwd>")
    .action(
      wrap(async (password: string, opts: { keyFile?: string }) => {
        const m = await import('./commands/encrypt.js');
        return m.encrypt({ password, keyFile: opts.keyFile });
      }),
    );

  const linkOptions = (cmd: Command) =>
    cmd
      .option('-c, --config <file>', 'site config (dmhs.hs) with a <transfer> or <route> element')
      .option('--from <link>', "where frames come from: '-' (stdin), dir:<path>, tcp:<port> (overrides the config's recv)")
      .option('--to <link...>', "next hops: '-' (stdout), dir:<path>, tcp:<host>:<port> (overrides the config's sends)")
      .option('--state <dir>', 'where progress is persisted (default: .synctl/<role>-<siteid> beside the config)')
      .option('--siteid <n>', 'this module\'s siteid when no config is given', '1');

  linkOptions(
    program
      .command('transfer')
      .description('receive frames (TCP, dir or stdin) and fan out to N next hops (TCP, dir or stdout), each with its own progress'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  synctl transfer -c transfer.hs\n  synctl capture ... --to - | synctl transfer --from - --to dir:/gap/out\n  synctl transfer --from dir:/gap/in --to tcp:10.0.0.5:5346',
    )
    .action(
      wrap(async (opts: LinkCliOptions) => {
        const m = await import('./commands/relay.js');
        return m.relayCommand('transfer', opts);
      }),
    );

  linkOptions(
    program.command('route').description('forward frames between several upstream and several downstream sites by siteid rules'),
  )
    .addHelpText('after', '\nExample:\n  synctl route -c route.hs')
    .action(
      wrap(async (opts: LinkCliOptions) => {
        const m = await import('./commands/relay.js');
        return m.relayCommand('route', opts);
      }),
    );

  program
    .command('copy')
    .alias('load')
    .description('COPY/LOAD: offline dictionary (DICT) and initial load (CREATE, DROP, TRUNCATE, INSERT, INDEX, CONTINUE) of the source tables a condition selects')
    .argument('<n>', 'send index under <cpt> (0 = all sends)')
    .argument('<condition>', "tables to work on over SCH.NAME / TAB.NAME / DB.NAME, e.g. \"SCH.NAME='APP' AND TAB.NAME IN ('T1','T2')\"")
    .argument('<masks>', "what to do, masks joined by '|' (values follow their mask: THREAD|4, ROWS|50000, WHERE|\"expr\")")
    .option('-c, --config <file>', 'site config (dmhs.hs) with a <cpt> element', './dmhs.hs')
    .option('--key-file <path>', 'key file for encrypted passwords (default: see README)')
    .option('--dict <dir>', 'dictionary directory (default: DICT/ beside the config)')
    .option('--json', 'print the load report as JSON')
    .addHelpText(
      'after',
      `\nExamples:\n  synctl copy 0 "SCH.NAME='app'" DICT -c dmhs.hs\n  synctl copy 0 "SCH.NAME='app'" "DICT|CREATE|INSERT|INDEX|THREAD|4" -c site.hs\n  synctl copy 0 "SCH.NAME='app'" "INSERT|CONTINUE" -c site.hs`,
    )
    .action(
      wrap(async (n: string, condition: string, masks: string, opts: { config: string; keyFile?: string; dict?: string; json?: boolean }) => {
        const m = await import('./commands/copy.js');
        return m.copyCommand({
          config: opts.config,
          sendIndex: m.parseSendIndex(n),
          condition,
          masks,
          ...(opts.keyFile !== undefined ? { keyFile: opts.keyFile } : {}),
          ...(opts.dict !== undefined ? { dictDir: opts.dict } : {}),
          ...(opts.json ? { json: true } : {}),
        });
      }),
    );

  program
    .command('verify')
    .description('compare each source table with the table it is replicated to; report every difference, repair on request')
    .argument('<condition>', "tables to compare over SCH.NAME / TAB.NAME / DB.NAME, e.g. \"SCH.NAME='app' AND TAB.NAME='orders'\"")
    .option('-c, --config <file>', 'site config (dmhs.hs) with <cpt> (source database) and <exec> (target database)', './dmhs.hs')
    .option('--rows', 'list each differing key')
    .option('--json', 'print the report as JSON')
    .option('--repair', 'make the target equal the source for the differing keys, then verify those tables again')
    .option('--chunk <n>', 'rows per key-range chunk hashed on each side', '10000')
    .option('--key-file <path>', 'key file for encrypted passwords (default: see README)')
    .addHelpText(
      'after',
      `\nExit code: 0 equal, 1 differences (or a table on one side only), 2 errors or a table that could not be compared.\nExamples:\n  synctl verify -c site.hs "SCH.NAME='app'"\n  synctl verify -c site.hs "SCH.NAME='app' AND TAB.NAME='orders'" --rows\n  synctl verify -c site.hs "SCH.NAME='app'" --repair --json`,
    )
    .action(
      wrap(async (condition: string, opts: { config: string; rows?: boolean; json?: boolean; repair?: boolean; chunk: string; keyFile?: string }) => {
        const m = await import('./commands/verify.js');
        try {
          return await m.verifyCommand({
            config: opts.config,
            condition,
            rows: opts.rows === true,
            json: opts.json === true,
            repair: opts.repair === true,
            chunk: opts.chunk,
            ...(opts.keyFile !== undefined ? { keyFile: opts.keyFile } : {}),
          });
        } catch (e) {
          // verify's exit codes are for scripts: 1 means "differences", so errors are 2
          if (!isSynctlError(e)) throw e;
          process.stderr.write(`synctl: ${redact(e.message)}\n`);
          return 2;
        }
      }),
    );

  program
    .command('exec')
    .description('apply received transactions to the target database in source commit order, exactly once')
    .option('-c, --config <file>', 'site config (dmhs.hs) with an <exec> element: target database, recv link, exec_* tuning', './dmhs.hs')
    .option('--from <link>', "override the config's recv: '-' (stdin), dir:<path>, tcp:[<ip>:]<port>")
    .option('--state <dir>', 'where progress.json is written (default: .synctl/exec-<siteid> beside the config)')
    .option('--errors', 'list the failures recorded on the target (DMHS_ERROR_TSK_TABLE) and exit')
    .option('--json', 'with --errors: print them as JSON')
    .option('--reapply <id>', 'run the statements of a recorded failure again, in one transaction, and mark it reapplied')
    .option('--key-file <path>', 'key file for encrypted passwords (default: see README)')
    .addHelpText(
      'after',
      `\nProgress per origin is kept on the target in <sys_schema>.DMHS_TRXID_TABLE, in the same transaction as the data;\nfailures (by exec_policy) in <sys_schema>.DMHS_ERROR_TSK_TABLE.\nExamples:\n  synctl exec -c exec.hs\n  synctl capture -c cpt.hs --to - | synctl exec -c exec.hs --from -\n  synctl exec -c exec.hs --errors\n  synctl exec -c exec.hs --reapply 12`,
    )
    .action(
      wrap(async (opts: { config: string; from?: string; state?: string; keyFile?: string; errors?: boolean; json?: boolean; reapply?: string }) => {
        const m = await import('./commands/exec.js');
        return m.execCommand(opts);
      }),
    );

  program
    .command('capture')
    .description('decode MySQL/MariaDB binlogs into transactions and send them to the next hop (or print them)')
    .option('-c, --config <file>', 'site config (dmhs.hs) with a <cpt> element: siteid, send link, filter/map, ddl_mask')
    .option('--offline <paths...>', 'archived binlog files, a directory of them, or an index file')
    .option('--to <link...>', "override the config's send: '-' (stdout), dir:<path>, tcp:<host>:<port>")
    .option('--format <kind>', 'frames (to the send), json (one change per line) or sql (re-executable statements)', 'frames')
    .option('--start <file:pos>', 'start here instead of the checkpoint, e.g. mysql-bin.000042:1234')
    .option('--state <dir>', 'where the checkpoint is kept (default: .synctl/capture-<siteid> beside the config)')
    .option('--dict <dir>', 'offline dictionary directory (default: DICT/ beside the config)')
    .option('--siteid <n>', "this capture's siteid when no config is given", '1')
    .option('--key-file <path>', 'key file for encrypted passwords (default: see README)')
    .option('--auto-position', 'live: resume by the GTID state instead of file:pos (follows a failover; MariaDB tested, MySQL untested here)')
    .addHelpText(
      'after',
      `\nExamples:\n  synctl exec -c exec.hs                        apply received changes to the target, exactly once
  synctl capture -c cpt.hs --offline /backup/binlogs        # cron: resume where the last run stopped, exit 0 when done\n  synctl capture --offline mysql-bin.000042 --to - --format sql\n  synctl capture --offline mysql-bin.000042 --format json --dict DICT`,
    )
    .action(
      wrap(async (opts: { config?: string; offline?: string[]; to?: string[]; format: string; start?: string; state?: string; dict?: string; siteid: string; keyFile?: string; autoPosition?: boolean }) => {
        const m = await import('./commands/capture.js');
        return m.captureCommand(opts);
      }),
    );

  return { program, exitCode: () => chosen };
}

export interface LinkCliOptions {
  readonly config?: string;
  readonly from?: string;
  readonly to?: string[];
  readonly state?: string;
  readonly siteid: string;
}
