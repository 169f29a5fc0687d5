/**
 * The typed, resolved form of a dmhs.hs site config. The loader (load.ts) produces one
 * frozen SiteConfig; every module reads only this, never the XML.
 * Element names and ranges follow DMHS (docs and dmhs.hs.sample list each one).
 */

export type DbType = 'MYSQL' | 'MARIADB' | 'PG' | 'MSSQL';
export type Lang = 'ch' | 'en';

export interface BaseConfig {
  /** 1..30000, unique per synctl service */
  readonly siteid: number;
  /** 1000..65535, default 5345 */
  readonly mgrPort: number;
  /** seconds, 10..65535, default 60 */
  readonly ckptInterval: number;
  /** seconds between status checks, default 3 */
  readonly chkInterval: number;
  readonly lang: Lang;
  /** config format version, '2.0' (1.0 accepted) */
  readonly version: string;
  /** db_pwd values are ciphertext from `synctl encrypt` */
  readonly pwdEncipher: boolean;
}

export interface DbConnection {
  readonly dbType: DbType;
  readonly server: string;
  readonly port: number;
  readonly user: string;
  /** clear text after decryption; never logged */
  readonly password: string;
  /** database name (PostgreSQL/SQL Server database, MySQL default schema); '' when unset */
  readonly database: string;
}

export interface TlsOptions {
  /** PEM file paths; all optional: a sender with only `ca` verifies the server, a receiver needs cert+key */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  /** verify the peer's certificate (default true) */
  readonly verify: boolean;
}

/** Where a send delivers frames. */
export type SendTarget =
  | { readonly kind: 'tcp'; readonly ip: string; readonly dataPort: number; readonly mgrPort: number }
  | {
      readonly kind: 'dir';
      readonly path: string;
      /** roll a segment once it reaches this many MB (file_size, default 64) */
      readonly fileSizeMb: number;
      /** roll a segment that has been open this many seconds (file_time, default 5) */
      readonly fileTimeSec: number;
    }
  | { readonly kind: 'stdio' };

/** Where a recv takes frames from. */
export type RecvSource =
  | { readonly kind: 'tcp'; readonly ip: string; readonly dataPort: number; readonly mgrPort: number }
  | {
      readonly kind: 'dir';
      readonly path: string;
      /** consumed segments move here; removed when unset */
      readonly archivePath: string;
      /** seconds between directory polls (default 1) */
      readonly pollSec: number;
    }
  | { readonly kind: 'stdio' };

export interface FilterConfig {
  /** whitelist items: '*.*', 'APP.*', 'APP.T', 'APP.T(COL > 100)' */
  readonly enable: readonly string[];
  /** blacklist items; disable wins over enable */
  readonly disable: readonly string[];
}

export interface SendConfig {
  /** 1-based index among the sends of its element (COPY <n> selects by it) */
  readonly index: number;
  readonly target: SendTarget;
  /** KB per DATA frame before a batch is cut (net_pack_size, default 256) */
  readonly netPackSize: number;
  /** kept for DMHS compatibility: synctl checks a CRC on every frame regardless */
  readonly crcCheck: boolean;
  /** LZ4-compress DATA payloads (enable_compress) */
  readonly compress: boolean;
  /** 网闸 gateway mode: the receiver's only reply is one byte, 0 ok / 255 error */
  readonly gateway: boolean;
  readonly tls?: TlsOptions;
  /** route only: origins (siteids) this send forwards; empty = all */
  readonly siteids: readonly number[];
  readonly filter: FilterConfig;
  /** 'SRC == DST' items, e.g. 'APP.* == APP_BAK.*' */
  readonly map: readonly string[];
  /** target-side apply switches carried for exec (DM-only in DMHS, kept for parity) */
  readonly trigger: boolean;
  readonly constraint: boolean;
  readonly identity: boolean;
}

export interface RecvConfig {
  readonly source: RecvSource;
  readonly gateway: boolean;
  readonly tls?: TlsOptions;
}

export interface ArchConfig {
  /** seconds between archive clean-ups */
  readonly clearInterval: number;
  /** remove processed archives */
  readonly clearFlag: boolean;
}

export interface CptConfig {
  readonly db: DbConnection;
  /** DDL capture mask, colon-separated tokens ('op:obj:rec'); '0' = DDL off */
  readonly ddlMask: string;
  /** seconds to wait when the log is idle */
  readonly idleTime: number;
  readonly arch: ArchConfig;
  readonly send: SendConfig;
  /** PostgreSQL source only: the logical replication slot COPY creates and capture reads (default synctl_<siteid>) */
  readonly slotName: string;
  /** PostgreSQL source only: the publication of the copied tables (default synctl_<siteid>) */
  readonly publication: string;
}

export interface ExecConfig {
  readonly db: DbConnection;
  readonly recv: RecvConfig;
  /** apply workers, 1..256 (default 4) */
  readonly execThr: number;
  /** operations grouped into one target transaction (default 5000) */
  readonly execTrx: number;
  /** rows per batched statement (default 1000) */
  readonly execRows: number;
  /** prepared-statement cache size (default 1024) */
  readonly execSql: number;
  /** 0 discard the failed transaction, 1 stop exec, 2 skip the failed operation */
  readonly execPolicy: 0 | 1 | 2;
  /** 0 as-is, 1 group small, 2 also split huge, 3 batch without boundaries */
  readonly commitPolicy: 0 | 1 | 2 | 3;
  /** an UPDATE/DELETE that hits no row is a conflict */
  readonly affectRow: boolean;
  readonly caseSensitive: boolean;
  /** 0 keep, 1 lower, 2 upper */
  readonly toggleCase: 0 | 1 | 2;
  /** go on after a DDL that fails to apply */
  readonly ddlContinue: boolean;
  /** keep a copy of a table before DROP/TRUNCATE */
  readonly softOp: boolean;
  /** what MySQL zero dates become on engines without them: null (SQL NULL, default) or a 'YYYY-MM-DD' date */
  readonly zeroDate: string | null;
  /** schema (MySQL: database) holding exec's own tables DMHS_TRXID_TABLE and DMHS_ERROR_TSK_TABLE (default synctl) */
  readonly sysSchema: string;
  /** type_map items: a source type or column → the target type exec/copy create it with */
  readonly typeMap: readonly { readonly source: string; readonly target: string }[];
}

/** transfer and route share this shape: recvs in, sends out. */
export interface RelayConfig {
  readonly recvs: readonly RecvConfig[];
  readonly sends: readonly SendConfig[];
}

export interface SiteConfig {
  /** the file it came from ('' when built in memory) */
  readonly file: string;
  readonly base: BaseConfig;
  readonly cpt?: CptConfig;
  readonly exec?: ExecConfig;
  readonly transfer?: RelayConfig;
  readonly route?: RelayConfig;
}

/** Non-fatal findings (deprecated or ignored elements) reported alongside a valid config. */
export interface ConfigWarning {
  readonly path: string;
  readonly message: string;
}
