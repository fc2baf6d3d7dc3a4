// The deterministic content of crash-test transaction `seed` (a non-negative
// integer): plain LoraDB MutationEvent objects, no imports, so that the child
// process (which loads the built library) and the test (which loads the
// sources) build identical events. Sizes vary with the seed (a few bytes to
// ~2 KiB) so that segments rotate at different points.

const text = (seed, n) => {
  let s = ""
  let x = (seed * 2654435761) >>> 0
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    s += String.fromCharCode(97 + (x >>> 16) % 26)
  }
  return s
}

/** The events of transaction `seed`: a node whose id is the seed, then 0–3 property updates on it. */
export const txEvents = (seed) => {
  const events = [
    {
      _tag: "CreateNode",
      id: BigInt(seed),
      labels: ["Crash"],
      properties: new Map([
        ["seed", { _tag: "Int", value: BigInt(seed) }],
        ["payload", { _tag: "String", value: text(seed, (seed * 7919) % 2000) }],
        ["ratio", { _tag: "Float", value: seed / 7 }]
      ])
    }
  ]
  for (let i = 0; i < seed % 4; i++) {
    events.push({ _tag: "SetNodeProperty", nodeId: BigInt(seed), key: `k${i}`, value: { _tag: "Int", value: BigInt(seed * 10 + i) } })
  }
  return events
}
