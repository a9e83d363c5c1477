// A start-up or command failure an operator fixes by changing a setting or stopping a
// process: printed as its message alone (French and English), without a stack trace.
export class StartupError extends Error {}
