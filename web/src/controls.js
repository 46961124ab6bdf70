// Undo and Clear, by button and by key: Esc or Delete clears the pad,
// Backspace or Ctrl+Z (Cmd+Z) undoes the last stroke.

export function bindControls(pad) {
  document.querySelector('[data-testid=clear]').addEventListener('click', () => pad.clear());
  document.querySelector('[data-testid=undo]').addEventListener('click', () => pad.undo());
  document.addEventListener('keydown', (e) => {
    if (e.target.closest('input, textarea, select')) return; // typing, not drawing
    if (e.key === 'Escape' || e.key === 'Delete') {
      pad.clear();
    } else if ((e.key === 'z' && (e.ctrlKey || e.metaKey)) || e.key === 'Backspace') {
      e.preventDefault(); // the page's undo, not the browser's
      pad.undo();
    }
  });
}
