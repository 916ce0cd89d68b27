// A one-line progress indicator on stderr, only when stderr is a terminal (pipes and CI logs stay clean).
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Progress {
  set(label: string): void;
  done(message?: string): void;
}

export function startProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { set() {}, done() {} };
  const t0 = Date.now();
  let frame = 0;
  let current = label;
  const draw = () => stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${current} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  draw();
  const timer = setInterval(draw, 100);
  timer.unref();
  return {
    set(l) {
      current = l;
      draw();
    },
    done(message) {
      clearInterval(timer);
      stream.write(`\r\x1b[2K${message ? `${message} (${((Date.now() - t0) / 1000).toFixed(1)}s)\n` : ''}`);
    },
  };
}
