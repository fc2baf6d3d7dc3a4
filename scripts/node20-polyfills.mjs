// vitest 5 wants Node >= 22.12. On Node 20 its reporter crashes when a test FAILS
// (Map.groupBy / Object.groupBy are missing), hiding the assertion text. This file adds
// the two functions on Node 20 and does nothing on Node 22+.
if (typeof Map.groupBy !== "function") {
  Map.groupBy = (items, key) => {
    const m = new Map()
    let i = 0
    for (const item of items) {
      const k = key(item, i++)
      const g = m.get(k)
      if (g) g.push(item)
      else m.set(k, [item])
    }
    return m
  }
}
if (typeof Object.groupBy !== "function") {
  Object.groupBy = (items, key) => {
    const o = Object.create(null)
    let i = 0
    for (const item of items) {
      const k = key(item, i++)
      ;(o[k] ??= []).push(item)
    }
    return o
  }
}
