/** Public wire API: frame envelope, link-control payloads, DATA batches, LZ4. */
export * from './frame';
export * from './control';
export * from './batch';
export * from './compress';
export { BufferReader, type BufferReaderOptions } from './buffer-reader';
export { BufferWriter } from './buffer-writer';
