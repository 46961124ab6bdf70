// A promise that resolves in a later task: long work split by it runs as several
// short tasks, so a slow phone keeps drawing and answering in between.
export const nextTask = () => new Promise((resolve) => { setTimeout(resolve, 0); });
