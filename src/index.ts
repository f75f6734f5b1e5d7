/**
 * lbfw public library surface. Everything a caller may import is listed here
 * explicitly; nothing else is part of the API.
 */
export * from './errors.js';
export type * from './config/model.js';
export { DEFAULT_BLACKLIST_PATH, DEFAULT_CONFIG_PATH, DEFAULT_SSH_PORT } from './config/model.js';
