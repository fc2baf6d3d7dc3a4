// Test helper: holds flock(LOCK_EX) on <dir>/.lora-wal.lock until killed, like a live LoraDB would.
import koffi from "koffi"
import * as Fs from "node:fs"
import * as Path from "node:path"

const dir = process.argv[2]
const fd = Fs.openSync(Path.join(dir, ".lora-wal.lock"), Fs.constants.O_RDWR | Fs.constants.O_CREAT)
const flock = koffi.load("libc.so.6").func("int flock(int, int)")
if (flock(fd, 2 | 4) !== 0) {
  console.error("could not lock")
  process.exit(3)
}
process.stdout.write("locked\n")
setInterval(() => {}, 1000)
