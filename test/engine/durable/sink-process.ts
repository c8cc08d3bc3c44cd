/* A sink in its own process for the bench: prints its URL, answers 200 to every POST. */
import { startSink } from './support/sink.js';

const sink = await startSink(Number(process.env['SINK_DELAY_MS'] ?? '0'));
console.log(sink.url);
process.on('SIGTERM', () => {
  void sink.close().then(() => process.exit(0));
});
