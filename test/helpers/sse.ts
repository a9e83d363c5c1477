// Reads a Server-Sent Events response until `count` events arrived or `ms` passed,
// then closes it. Heartbeat comments are skipped.
export interface SseEvent<T = unknown> {
  id: string
  event: string
  data: T
}

export async function readSse<T = unknown>(res: Response, count: number, ms = 5000): Promise<SseEvent<T>[]> {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const deadline = Date.now() + ms
  while ((text.match(/^id: /gm) ?? []).length < count && Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))])
    if (!chunk || chunk.done) break
    text += decoder.decode(chunk.value)
  }
  await reader.cancel()
  return text
    .split('\n\n')
    .map((block) => ({
      id: /^id: (.+)$/m.exec(block)?.[1],
      event: /^event: (.+)$/m.exec(block)?.[1] ?? 'message',
      data: /^data: (.+)$/m.exec(block)?.[1],
    }))
    .filter((e) => e.id !== undefined && e.data !== undefined)
    .map((e) => ({ id: e.id!, event: e.event, data: JSON.parse(e.data!) as T }))
}
