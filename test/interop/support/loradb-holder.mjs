// Test helper: opens a LoraDB WAL database on argv[2] with `openWalDatabase`
// and holds it (and so the directory lock) until killed. With argv[3] ===
// "write" it first commits one CREATE. Once open prints "nodes <count>" (what
// it recovered plus its own write) and then "ready"; if the open fails, prints
// "error <json {code, message}>" and exits with code 2.
import { openWalDatabase } from "@loradb/lora-node"

const dir = process.argv[2]
try {
  const db = await openWalDatabase({ walDir: dir })
  if (process.argv[3] === "write") await db.execute("CREATE (:Held {pid: $pid})", { pid: process.pid })
  process.stdout.write(`nodes ${await db.nodeCount()}\nready\n`)
  // Keep `db` reachable: once the handle is garbage-collected the binding closes it and releases the lock.
  setInterval(() => void db, 1 << 30)
} catch (e) {
  process.stdout.write(`error ${JSON.stringify({ code: e?.code ?? null, message: String(e?.message ?? e) })}\n`)
  process.exit(2)
}
