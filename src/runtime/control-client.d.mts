export const CONTROL_SOCKET: string
export function forwardToServer(argv: string[], env?: Record<string, string | undefined>): Promise<number | undefined>
