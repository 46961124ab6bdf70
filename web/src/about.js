// "About this model": what the model learned from and how well it reads, from the
// metadata `make export` wrote. Loaded once the model is ready (main.js), or when the
// panel is opened first: the first answer needs none of it.
import { CLASSES } from './model-io.js';

const $ = (selector) => document.querySelector(selector);

// How often "not a digit" is said of what the model never saw (metadata verdict.heldout), in words.
function rejectedWords(heldout) {
  const rates = heldout?.rates ?? {};
  const said = [];
  const percent = (x) => `${x < 0.1 ? (x * 100).toFixed(1) : Math.round(x * 100)}%`;
  if (rates.unseen_things_rejected !== undefined) {
    said.push(`${percent(rates.unseen_things_rejected)} of drawings of things it was never shown (${heldout.things.join(' and ')}s by people)`);
  }
  if (rates.letters_rejected !== undefined) said.push(`${percent(rates.letters_rejected)} of letters by people it never saw`);
  if (rates.digits_not_a_digit !== undefined) said.push(`${percent(rates.digits_not_a_digit)} of real digits`);
  return said.length ? ` Measured before it shipped, it calls “not a digit” ${said.join(', ')}.` : '';
}

// In plain words first, the exact terms one click deeper; and the two tables of mix-ups.
export function showAbout(meta, { classes, margin, maxTurns }) {
  const percent = (x) => `${(x * 100).toFixed(1)}%`;
  const number = (x) => x.toLocaleString('en');
  const trained = meta.trained_on ?? {};
  const drawn = meta.heldout_pen;
  const pen = trained.pen_digits ? ` and ${number(trained.pen_digits)} digits drawn with a pen by ${trained.pen_writers.length} people` : '';
  const plain = [`It learned from ${number(trained.mnist_train ?? 0)} handwritten digits (the MNIST collection)${pen}.`];
  if (meta.preprocess?.deskew || meta.preprocess?.normalize_size) {
    plain.push(' Before reading your drawing, the page straightens it and scales it to a standard size, the way its examples were prepared.');
  }
  if (meta.test_accuracy !== undefined) plain.push(` It reads ${percent(meta.test_accuracy)} of MNIST's test digits right (digits it never learned from)`);
  if (drawn) plain.push(`${meta.test_accuracy !== undefined ? ', and' : ' It reads'} ${percent(drawn.accuracy)} of ${number(drawn.samples)} digits drawn by ${drawn.writers.length} people it never saw`);
  if (meta.test_accuracy !== undefined || drawn) plain.push('.');
  plain.push(` It says “not sure” when its two best guesses are less than ${Math.round(margin * 100)} percentage points apart`);
  plain.push(classes > CLASSES ? ', and “not a digit” when the drawing looks more like the letters and drawings it was shown than like any digit' : '');
  plain.push(` or when the strokes wind round more than ${maxTurns} full turns (no real digit does; scribbles do).`);
  if (classes > CLASSES) plain.push(rejectedWords(meta.verdict?.heldout));
  $('[data-testid=about-summary]').textContent = plain.join('');

  const exact = [`Softmax regression: one Dense(${classes}, softmax) layer, ${number(classes * 785)} weights`
    + ` (${classes} templates of 784 and ${classes} biases), trained with TensorFlow on ${number(trained.mnist_train ?? 0)} MNIST digits`];
  if (trained.pen_digits) {
    exact.push(` and ${number(trained.pen_renderings)} renderings of ${number(trained.pen_digits)} pen-drawn digits`
      + ` by ${trained.pen_writers.length} writers (small random rotations and stretches)`);
  }
  if (classes > CLASSES) {
    const things = trained.quickdraw ? `, ${number(trained.quickdraw)} Quick, Draw! doodles by people` : '';
    exact.push(`; the 11th output, “not a digit”, learned from handwritten letters${things} and generated doodles`);
  }
  exact.push('. Preprocessing: ');
  exact.push(meta.preprocess?.deskew ? 'sheared upright by the ink\'s second moments (deskew), ' : '');
  exact.push(meta.preprocess?.normalize_size ? 'scaled to a standard spread of ink, ' : '');
  exact.push('centred by its centre of mass in 28×28, as MNIST was. ');
  exact.push(`“Not sure”: the top probability minus the second is below ${margin}. `);
  exact.push(`“Not a digit”${classes > CLASSES ? ': the 11th output wins, or' : ':'} the strokes turn through more than ${maxTurns} × 360°.`);
  $('[data-testid=about-details]').textContent = exact.join('');

  const tables = [['confusion-mnist', meta.confusion_matrix], ['confusion-drawn', drawn?.confusion_matrix]];
  for (const [testid, matrix] of tables) $(`[data-testid=${testid}]`).closest('figure').hidden = !matrix;
  // Filled when the panel first opens: a closed panel costs the loading page nothing.
  const about = $('[data-testid=about]');
  const fill = () => {
    if (!about.open) return;
    for (const [testid, matrix] of tables) if (matrix) fillConfusion($(`[data-testid=${testid}]`), matrix);
    about.removeEventListener('toggle', fill);
  };
  about.addEventListener('toggle', fill);
  fill();
}

// A confusion matrix as a table: row = the true digit, column = the reading,
// each cell the percent of its row (blank for none, "<1" for a few), tinted by
// that share (blue: right, red: mix-ups; style.css picks the tints per theme).
// The exact count is in each cell's title.
function fillConfusion(table, matrix) {
  const label = (d) => (d < CLASSES ? String(d) : '?');
  const cell = (tag, text, scope) => {
    const element = document.createElement(tag);
    element.textContent = text;
    if (scope) element.scope = scope;
    return element;
  };
  const head = document.createElement('tr');
  head.append(cell('th', 'meant ↓ read →', 'col'), ...matrix.map((_, d) => cell('th', label(d), 'col')));
  const rows = matrix.map((row, truth) => {
    const tr = document.createElement('tr');
    const total = row.reduce((a, b) => a + b, 0);
    tr.append(cell('th', label(truth), 'row'), ...row.map((count, guess) => {
      const share = total ? count / total : 0;
      const td = cell('td', count === 0 ? '' : share < 0.005 ? '<1' : String(Math.round(share * 100)));
      td.title = `${count.toLocaleString('en')} of ${total.toLocaleString('en')} ${label(truth)}s read as ${label(guess)}`;
      if (count) {
        td.className = truth === guess ? 'right' : 'mixup';
        // Mix-ups are rare: a square root makes a 1% one visible.
        td.style.setProperty('--share', String(truth === guess ? share : Math.min(1, Math.sqrt(share) * 1.5)));
      }
      return td;
    }));
    return tr;
  });
  table.replaceChildren(head, ...rows);
}
