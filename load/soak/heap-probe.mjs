// Loaded into a soak gateway with --import: reports the process's heap and
// RSS to the soak over the IPC channel every 2 s, without keeping it alive.
if (process.send) {
  const report = () => {
    try {
      const m = process.memoryUsage();
      process.send({ heapUsed: m.heapUsed, rss: m.rss });
    } catch {
      /* channel closed */
    }
  };
  setInterval(report, 2000).unref();
  process.channel?.unref();
}
