// Undo, Redo and Clear, by button and by key: Esc or Delete clears the pad,
// Backspace or Ctrl+Z (Cmd+Z) undoes the last change (a stroke or a clear),
// Ctrl+Shift+Z or Ctrl+Y (Cmd+Shift+Z) redoes it.

export function bindControls(pad) {
  document.querySelector('[data-testid=clear]').addEventListener('click', () => pad.clear());
  document.querySelector('[data-testid=undo]').addEventListener('click', () => pad.undo());
  document.querySelector('[data-testid=redo]').addEventListener('click', () => pad.redo());
  document.addEventListener('keydown', (e) => {
    if (e.target.closest('input, textarea, select')) return; // typing, not drawing
    const command = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase(); // 'Z' with Caps Lock or Shift is still z
    if (e.key === 'Escape' || e.key === 'Delete') {
      pad.clear();
    } else if (command && ((key === 'z' && e.shiftKey) || key === 'y')) {
      e.preventDefault();
      pad.redo();
    } else if ((key === 'z' && command) || e.key === 'Backspace') {
      e.preventDefault(); // the page's undo, not the browser's
      pad.undo();
    }
  });
}
