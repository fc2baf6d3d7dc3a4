// Crash-test child: opens the log in argv[2] with SyncMode.PerCommit
// (segmentTargetBytes argv[4]) from the BUILT library (dist/), prints
// "ready <recovered transaction count>", then commits transactions
// txEvents(seed) for seed = argv[3], argv[3] + 1, … forever, printing
// "ack <commitLsn> <seed>" after each commit returns (that is, after an fsync
// covered it). The parent SIGKILLs it at a random moment.
import { Effect } from "effect"
import { SyncMode, Wal } from "../../../dist/src/index.js"
import { txEvents } from "./crash-content.mjs"

const [dir, firstSeed, target] = process.argv.slice(2)
const program = Effect.gen(function* () {
  const wal = yield* Wal
  process.stdout.write(`ready ${wal.recovery.transactionCount}\n`)
  for (let seed = Number(firstSeed); ; seed++) {
    const r = yield* wal.commitTx(txEvents(seed))
    process.stdout.write(`ack ${r.commitLsn} ${seed}\n`)
  }
}).pipe(Effect.provide(Wal.layer({ dir, syncMode: SyncMode.PerCommit, segmentTargetBytes: Number(target) })))

Effect.runPromise(program).catch((e) => {
  process.stdout.write(`error ${String(e?.message ?? e)}\n`)
  process.exit(3)
})
