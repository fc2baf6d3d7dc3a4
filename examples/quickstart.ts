/**
 * The README's example: open a log, commit a transaction, reopen and recover.
 * Run: `npm run build && node dist/examples/quickstart.js [dir]`.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect } from "effect"
import * as Os from "node:os"
import * as Path from "node:path"
import { type MutationEvent, properties, Pv, SyncMode, Wal } from "../src/index.js"

const dir = process.argv[2] ?? Path.join(Os.tmpdir(), `effect-wal-quickstart-${process.pid}`)

const ada: MutationEvent = {
  _tag: "CreateNode",
  id: 1n,
  labels: ["Person"],
  properties: properties({ name: Pv.string("Ada"), born: Pv.date(1815, 12, 10) })
}

// 1. Open (recovering whatever is there), commit durably, close with the scope.
const write = Effect.gen(function* () {
  const wal = yield* Wal
  const r = yield* wal.commitTx([ada], { durability: "durable" })
  yield* Console.log("committed", r)
}).pipe(Effect.provide(Wal.layer({ dir, syncMode: SyncMode.GroupSync({ interval: "50 millis" }) })))

// 2. Reopen: the committed events come back, in commit order.
const recover = Effect.gen(function* () {
  const wal = yield* Wal
  yield* Console.log(`recovered ${wal.recovery.eventCount} event(s); next LSN ${yield* wal.nextLsn}`)
}).pipe(Effect.provide(Wal.layer({ dir })))

NodeRuntime.runMain(Effect.andThen(write, recover))
