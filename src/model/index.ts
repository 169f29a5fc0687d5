export * from './value';
export * from './position';
export * from './change';
