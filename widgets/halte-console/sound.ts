// A short beep for a new alert, made with WebAudio (no sound file to serve). Browsers
// start audio only after a gesture on the page: unlock() is called from one (the
// sign-in click, or the "turn sound on" button).
export class Beeper {
  private ctx: AudioContext | null = null

  get ready() {
    return this.ctx?.state === 'running'
  }

  async unlock(): Promise<boolean> {
    try {
      this.ctx ??= new AudioContext()
      await this.ctx.resume()
    } catch {
      // no audio on this device: the visible and spoken notices remain
    }
    return this.ready
  }

  beep() {
    const ctx = this.ctx
    if (ctx?.state !== 'running') return false
    const osc = ctx.createOscillator()
    const gain = ctx.createGain()
    osc.type = 'sine'
    osc.frequency.value = 880
    gain.gain.setValueAtTime(0.001, ctx.currentTime)
    gain.gain.exponentialRampToValueAtTime(0.3, ctx.currentTime + 0.02)
    gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.35)
    osc.connect(gain).connect(ctx.destination)
    osc.start()
    osc.stop(ctx.currentTime + 0.4)
    return true
  }
}
