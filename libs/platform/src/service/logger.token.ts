/** Injection token of the process's pino logger (provided by ServiceCoreModule). */
export const LOGGER = Symbol('LOGGER');
