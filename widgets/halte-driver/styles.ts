import { css } from 'lit'

// A cab screen: big type, targets for gloved hands (64 px), and two themes. Night is a
// dark background for a cab at night; every pair below stays above 4.5:1 (most above 7:1).
export const driverStyles = css`
  :host {
    font-size: 20px;
    --fg: #111;
    --bg: #fff;
    --card: #f4f4f4;
    --line: #555;
    padding: 0.5em;
    color: var(--fg);
    background: var(--bg);
  }
  :host([theme='night']) {
    --fg: #f2f2f2;
    --bg: #101418;
    --card: #1b2229;
    --line: #9a9a9a;
    --halte-accent: #9cc3ff;
    --halte-danger: #ffa3a3;
    --halte-ok: #8fe3a8;
    --halte-muted: #cfcfcf;
  }
  :host([theme='night']) button,
  :host([theme='night']) .button { color: #101418; }
  :host([theme='night']) button.secondary { background: var(--bg); color: var(--halte-accent); }
  :host([theme='night']) input,
  :host([theme='night']) textarea { background: var(--card); color: var(--fg); border-color: var(--line); }
  :host([theme='night']) :focus-visible { box-shadow: 0 0 0 5px #fff; }
  /* In em: the page's rem is not the cab's 20 px. */
  h2 { font-size: 1.3em; }
  h3 { font-size: 1.1em; }
  h4 { font-size: 1em; }
  button { min-height: 64px; min-width: 64px; font-weight: 700; }
  textarea { min-height: 3em; }
  header { display: flex; flex-wrap: wrap; gap: 0.5em; align-items: center; justify-content: space-between; }
  header h2 { margin: 0; }
  .bar { display: flex; flex-wrap: wrap; gap: 0.3em 1em; align-items: center; font-weight: 600; }
  .warn { border: 3px solid var(--halte-danger); border-radius: 10px; padding: 0.4em 0.7em; color: var(--halte-danger); font-weight: 700; }
  ul.cards > li { background: var(--card); border-color: var(--line); }
  .next { border-width: 4px !important; }
  .next .where { font-size: 1.7rem; font-weight: 800; line-height: 1.2; margin: 0.2em 0; }
  .where { font-size: 1.2rem; font-weight: 700; margin: 0.1em 0; }
  .actions { display: grid; grid-template-columns: repeat(auto-fit, minmax(9em, 1fr)); gap: 0.5em; margin-top: 0.5em; }
  .reasons { display: grid; grid-template-columns: repeat(auto-fit, minmax(8em, 1fr)); gap: 0.5em; }
  .trip { width: 100%; justify-content: flex-start; text-align: left; }
  .theme[aria-pressed='true'] { background: var(--halte-accent); }
`
