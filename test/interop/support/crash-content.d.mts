import type { MutationEvent } from "../../../src/event/MutationEvent.js"

/** The events of crash-test transaction `seed`: a node whose id is the seed, then 0–3 property updates on it. */
export declare const txEvents: (seed: number) => Array<MutationEvent>
