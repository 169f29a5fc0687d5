/**
 * What a target server's error says about retrying the statement: a duplicate key, or
 * data the column cannot take, fails the same way again; anything else (a lost
 * connection, a deadlock, a lock wait) may not. Each dialect reads its own driver's
 * error (mysql-errors.ts, pg-errors.ts, mssql-errors.ts).
 */
export type TargetErrorKind = 'duplicate' | 'data' | 'other';
