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
    if (e.key === 'Escape' || e.key === 'Delete') {
      pad.clear();
    } else if (command && ((e.key.toLowerCase() === 'z' && e.shiftKey) || e.key.toLowerCase() === 'y')) {
      e.preventDefault();
      pad.redo();
    } else if ((e.key.toLowerCase() === 'z' && command) || e.key === 'Backspace') { // 'Z' with Caps Lock
      e.preventDefault(); // the page's undo, not the browser's
      pad.undo();
    }
  });
}
