"""Procedurally drawn doodles: things people draw on a digit pad that are not digits.

Strokes in the pen digits' form (lists of [x, y], y down); doodle(seed, i) is the same
for the same (seed, i) on every machine.
"""

import math

import numpy as np

# The kinds, each for a way a non-digit reached the pad as a confident digit (issue 13):
# scribbles and colouring-in (read as 8), spirals and circled shapes (0, 6), stars,
# houses, hearts and smileys (0, 8), grids and crossings (4, 8), zigzags and waves
# (flat strokes read as 1, 2, 4), arrows (7, 4), and boxes and triangles (0, 4).


def _line(a, b, n=12):
    t = np.linspace(0, 1, n)[:, None]
    return (1 - t) * np.asarray(a, float) + t * np.asarray(b, float)


def _circle(start, n=40):
    theta = start + np.linspace(0, 2 * math.pi, n)
    return np.stack([np.cos(theta), np.sin(theta)], 1)


def scribble(rng):
    """A random walk with momentum: a tangle of loops."""
    steps, (vx, vy) = rng.integers(30, 160), rng.normal(size=2)
    x = y = 0.0
    points = [(x, y)]
    # One draw for all the steps (the same numbers as a draw per step), and the walk in
    # plain floats: the same arithmetic as on 2-element arrays, without their overhead.
    for nx, ny in rng.normal(size=(steps, 2)).tolist():
        vx, vy = 0.75 * vx + nx * 0.8, 0.75 * vy + ny * 0.8
        x, y = x + vx, y + vy
        points.append((x, y))
    return [np.array(points)]


def hatch(rng):
    """Back-and-forth colouring in."""
    rows, points = rng.integers(4, 12), []
    for i in range(rows):
        points += [[0, i / rows + rng.normal() * 0.03], [1, (i + 0.5) / rows + rng.normal() * 0.03]]
    return [np.array(points)]


def spiral(rng):
    turns = rng.uniform(1.8, 4.5)
    theta = np.linspace(0, 2 * math.pi * turns, int(60 * turns))
    radius = 0.05 + theta / theta[-1]
    return [np.stack([radius * np.cos(theta), radius * np.sin(theta)], 1)]


def circle_cross(rng):
    """A circle crossed by an X or a +."""
    strokes = [_circle(rng.uniform(0, 6))]
    if rng.random() < 0.5:
        return strokes + [_line([-0.7, -0.7], [0.7, 0.7]), _line([-0.7, 0.7], [0.7, -0.7])]
    return strokes + [_line([-1, 0], [1, 0]), _line([0, -1], [0, 1])]


def star(rng):
    """An outlined star, or a pentagram in one stroke."""
    points, inner = rng.choice([5, 5, 6, 7]), rng.uniform(0.35, 0.5)
    if points == 5 and rng.random() < 0.5:
        theta = -math.pi / 2 + np.arange(5) * 2 * math.pi / 5
        return [np.stack([np.cos(theta), np.sin(theta)], 1)[[0, 2, 4, 1, 3, 0]]]
    theta = -math.pi / 2 + np.arange(2 * points + 1) * math.pi / points
    radius = np.where(np.arange(2 * points + 1) % 2 == 0, 1.0, inner)
    return [np.stack([radius * np.cos(theta), radius * np.sin(theta)], 1)]


def house(rng):
    """Walls, a roof, maybe a door and a window."""
    strokes = [np.array([[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]), np.array([[-0.1, 0], [0.5, -0.6], [1.1, 0]])]
    if rng.random() < 0.6:
        strokes.append(np.array([[0.4, 1], [0.4, 0.6], [0.6, 0.6], [0.6, 1]]))
    if rng.random() < 0.4:
        strokes.append(np.array([[0.15, 0.2], [0.3, 0.2], [0.3, 0.35], [0.15, 0.35], [0.15, 0.2]]))
    return strokes


def grid(rng):
    """Crossing lines: a tic-tac-toe board and its cousins."""
    across, down = rng.integers(2, 5), rng.integers(2, 5)
    return ([_line([0, (i + 1) / (across + 1)], [1, (i + 1) / (across + 1)]) for i in range(across)]
            + [_line([(i + 1) / (down + 1), 0], [(i + 1) / (down + 1), 1]) for i in range(down)])


def zigzag(rng):
    corners, height = rng.integers(3, 10), rng.uniform(0.15, 0.6)
    return [np.array([[i / corners, height * (i % 2)] for i in range(corners + 1)])]


def wave(rng):
    t, cycles = np.linspace(0, 1, 80), rng.uniform(1.5, 5)
    return [np.stack([t, rng.uniform(0.1, 0.3) * np.sin(2 * math.pi * cycles * t)], 1)]


def heart(rng):
    t = np.linspace(0, 2 * math.pi, 60)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    return [np.stack([x, y], 1) / 16]


def arrow(rng):
    """A shaft and a head, pointing any way."""
    angle = rng.uniform(0, 2 * math.pi)
    forward = np.array([math.cos(angle), math.sin(angle)])
    side, head = np.array([-forward[1], forward[0]]), rng.uniform(0.25, 0.45)
    barbs = [forward - head * forward + head * 0.7 * side, forward, forward - head * forward - head * 0.7 * side]
    return [_line(-forward, forward), np.array(barbs)]


def smiley(rng):
    """A face, its eyes two dots."""
    theta = np.linspace(0.2 * math.pi, 0.8 * math.pi, 15)
    mouth = np.stack([0.55 * np.cos(theta), 0.55 * np.sin(theta)], 1)
    return [_circle(rng.uniform(0, 6)), np.array([[-0.35, -0.3]]), np.array([[0.35, -0.3]]), mouth]


def triangle_box(rng):
    """A triangle, or a box with its diagonals."""
    if rng.random() < 0.5:
        return [np.array([[0, 1], [0.5, 0], [1, 1], [0, 1]])]
    return [np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]), _line([0, 0], [1, 1]), _line([1, 0], [0, 1])]


KINDS = (scribble, hatch, spiral, circle_cross, star, house, grid, zigzag, wave, heart, arrow, smiley,
         triangle_box)


def _resample(points, step):
    """Points every `step` along the stroke, as a pen samples it at a steady speed."""
    if len(points) < 2:
        return points
    steps = points[1:] - points[:-1]
    # (np.diff's, np.linalg.norm's and np.r_'s arithmetic, without their per-call cost)
    along = np.empty(len(points))
    along[0] = 0.0
    np.cumsum(np.sqrt((steps * steps).sum(axis=1)), out=along[1:])
    if along[-1] == 0:
        return points[:1]
    t = np.arange(0, along[-1] + 1e-9, step)
    out = np.empty((len(t), 2))
    out[:, 0], out[:, 1] = np.interp(t, along, points[:, 0]), np.interp(t, along, points[:, 1])
    return out


def kind_of(index):
    """The kind of doodle `index` in any set: kinds take turns."""
    return KINDS[index % len(KINDS)]


def doodle(seed, index, *, as_arrays=False):
    """(strokes, kind name): doodle `index` of the set `seed`; with as_arrays, each stroke
    an (n, 2) array of the same values (lists of floats cost more than drawing them)."""
    rng = np.random.default_rng([seed, index])
    kind = kind_of(index)
    strokes = [np.asarray(s, float) for s in kind(rng)]
    span = np.ptp(np.concatenate(strokes), axis=0).max() or 1.0
    # Drawn by a hand: turned, squashed or stretched, any size, anywhere, a little shaky.
    angle, aspect = math.radians(rng.uniform(-30, 30)), math.exp(rng.uniform(-0.6, 0.6))
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    matrix = rotation @ np.diag([aspect, 1 / aspect])
    size = math.exp(rng.uniform(math.log(60), math.log(700)))
    offset = rng.uniform(0, 300, size=2)  # one place for the whole doodle: its strokes stay together
    out = []
    for s in strokes:
        s = _resample(s / span @ matrix.T, rng.uniform(0.01, 0.03))
        tremor = np.cumsum(rng.normal(scale=0.004, size=s.shape), 0)
        s = ((s + tremor) * size + offset).round(1)
        out.append(s if as_arrays else s.tolist())
    return out, kind.__name__


def doodles(seed, n, *, as_arrays=False):
    """The first n doodles of the set `seed`: [(strokes, kind name), ...]."""
    return [doodle(seed, i, as_arrays=as_arrays) for i in range(n)]
