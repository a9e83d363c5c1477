import { css } from 'lit'

// Shared look: system fonts, 44 px touch targets, a focus ring that is always visible
// on keyboard use, colours at WCAG AA contrast or better on white. Every state that has a
// colour also has words (never colour alone).
export const baseStyles = css`
  :host {
    display: block;
    box-sizing: border-box;
    max-width: 100%;
    font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
    color: #1b1b1b;
    background: #fff;
    --halte-accent: #1d4ed8;
    --halte-danger: #a4001d;
    --halte-ok: #0b6b2e;
    --halte-muted: #4a4a4a;
  }
  *, *::before, *::after { box-sizing: inherit; }
  h2, h3 { line-height: 1.25; margin: 0.6em 0 0.3em; }
  h2 { font-size: 1.25rem; }
  h3 { font-size: 1.05rem; }
  p { margin: 0.4em 0; }
  button, .button {
    font: inherit;
    min-height: 44px;
    min-width: 44px;
    padding: 0.5em 1em;
    border-radius: 8px;
    border: 2px solid var(--halte-accent);
    background: var(--halte-accent);
    color: #fff;
    cursor: pointer;
    text-decoration: none;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 0.4em;
  }
  button.secondary, .button.secondary { background: #fff; color: var(--halte-accent); }
  button.danger { background: var(--halte-danger); border-color: var(--halte-danger); }
  button:disabled { opacity: 0.6; cursor: not-allowed; }
  :focus-visible { outline: 3px solid #ff9f1a; outline-offset: 2px; box-shadow: 0 0 0 5px #1b1b1b; }
  input, select, textarea {
    font: inherit;
    min-height: 44px;
    padding: 0.4em 0.6em;
    border: 2px solid #6b6b6b;
    border-radius: 6px;
    width: 100%;
    background: #fff;
    color: #1b1b1b;
  }
  label { display: block; font-weight: 600; margin: 0.6em 0 0.2em; }
  .hint { color: var(--halte-muted); font-size: 0.9rem; }
  .error { color: var(--halte-danger); font-weight: 600; }
  .ok { color: var(--halte-ok); font-weight: 600; }
  .row { display: flex; flex-wrap: wrap; gap: 0.5em; align-items: center; }
  ul.cards { list-style: none; padding: 0; margin: 0.5em 0; display: grid; gap: 0.6em; }
  ul.cards > li { border: 1px solid #8a8a8a; border-radius: 10px; padding: 0.7em 0.9em; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  .emergency {
    display: flex; flex-wrap: wrap; gap: 0.4em; align-items: center;
    background: #fff4f4; border: 2px solid var(--halte-danger); border-radius: 10px; padding: 0.5em 0.7em; margin-bottom: 0.6em;
  }
  .emergency strong { color: var(--halte-danger); }
  .emergency a {
    display: inline-flex; align-items: center; min-height: 44px; padding: 0.2em 0.8em; border-radius: 8px;
    background: var(--halte-danger); color: #fff; font-weight: 700; text-decoration: none;
  }
`
