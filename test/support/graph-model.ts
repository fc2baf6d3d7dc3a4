/**
 * A small in-memory graph that applies LoraDB `MutationEvent`s, for tests
 * that compare what a log replays with what LoraDB holds.
 *
 * State:
 * - nodes: id → labels (in order) + properties;
 * - relationships: id → type, source id, target id, properties;
 * - every CreateIndex / DropIndex and CreateConstraint / DropConstraint event,
 *   in log order (`indexEvents`, `constraintEvents`), plus the indexes and
 *   constraints live after them (`indexes`, `constraints`, keyed by name).
 *
 * Rules (the way LoraDB 0.15 applies its own events, as observed through
 * `@loradb/lora-node`):
 * - CreateNode / CreateRelationship with an id already in use, or a
 *   relationship whose endpoint does not exist, is an inconsistency.
 * - Set/Remove property and label events need their entity to exist. A
 *   property set to `Null` is stored (LoraDB keeps it and `properties(n)`
 *   shows it as `null`). Removing a missing key, adding a label the node has
 *   or removing one it lacks changes nothing.
 * - DeleteRelationship needs the relationship; DeleteNode needs the node and
 *   fails while relationships are attached.
 * - DetachDeleteNode deletes the attached relationships and the node. LoraDB's
 *   `DETACH DELETE` logs `DeleteRelationship…, DeleteNode{n}, DetachDeleteNode{n}`,
 *   so a DetachDeleteNode of a node that is already gone changes nothing.
 * - Clear drops every node, relationship, index and constraint (LoraDB's
 *   `clear()` also empties `SHOW INDEXES` / `SHOW CONSTRAINTS`).
 * - An index without an explicit name gets LoraDB's derived name
 *   `index_<kind>_<entity>_<label>_<prop1>_<prop2>…` (lower-case kind and
 *   entity), e.g. `index_range_node_Person_age`.
 * - CreateIndex / CreateConstraint of a name in use is a no-op with
 *   `ifNotExists` and an inconsistency without; DropIndex / DropConstraint of
 *   a missing name is a no-op with `ifExists` and an inconsistency without.
 *
 * An inconsistency throws {@link GraphModelError} naming the event, so a test
 * fails at the first event that does not fit instead of comparing garbage.
 *
 * @module
 */
import type { ConstraintRequest, IndexRequest } from "../../src/event/Ddl.js"
import type { MutationEvent, MutationEventOf } from "../../src/event/MutationEvent.js"
import type { PropertyValue } from "../../src/event/PropertyValue.js"

/** A node in the model. */
export interface ModelNode {
  readonly id: bigint
  readonly labels: Array<string>
  readonly properties: Map<string, PropertyValue>
}

/** A relationship in the model. */
export interface ModelRelationship {
  readonly id: bigint
  readonly type: string
  readonly src: bigint
  readonly dst: bigint
  readonly properties: Map<string, PropertyValue>
}

/** A live index: the request that created it and its (explicit or derived) name. */
export interface ModelIndex {
  readonly name: string
  readonly request: IndexRequest
}

/** The normalised state: entities sorted by id, property entries sorted by key (UTF-16 order). */
export interface GraphSnapshot {
  readonly nodes: ReadonlyArray<{
    readonly id: bigint
    readonly labels: ReadonlyArray<string>
    readonly properties: ReadonlyArray<readonly [string, PropertyValue]>
  }>
  readonly relationships: ReadonlyArray<{
    readonly id: bigint
    readonly type: string
    readonly src: bigint
    readonly dst: bigint
    readonly properties: ReadonlyArray<readonly [string, PropertyValue]>
  }>
  /** Live indexes sorted by name. */
  readonly indexes: ReadonlyArray<ModelIndex>
  /** Live constraints sorted by name. */
  readonly constraints: ReadonlyArray<ConstraintRequest>
}

/** An event that does not fit the current state. `index` is its position among the events applied so far. */
export class GraphModelError extends Error {
  constructor(readonly index: number, readonly event: MutationEvent, reason: string) {
    super(`event #${index} (${event._tag}): ${reason}`)
    this.name = "GraphModelError"
  }
}

/** LoraDB's name for an index created without one. */
export const derivedIndexName = (r: IndexRequest): string =>
  ["index", r.kind.toLowerCase(), r.entity.toLowerCase(), r.label ?? "", ...r.properties].join("_")

const sortedEntries = (m: ReadonlyMap<string, PropertyValue>): Array<readonly [string, PropertyValue]> =>
  [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

/** The graph model. Create one, `apply` events in log order, then `snapshot()`. */
export class GraphModel {
  readonly nodes = new Map<bigint, ModelNode>()
  readonly relationships = new Map<bigint, ModelRelationship>()
  readonly indexEvents: Array<MutationEventOf<"CreateIndex" | "DropIndex">> = []
  readonly constraintEvents: Array<MutationEventOf<"CreateConstraint" | "DropConstraint">> = []
  readonly indexes = new Map<string, ModelIndex>()
  readonly constraints = new Map<string, ConstraintRequest>()
  /** Number of events applied. */
  applied = 0

  /** Applies events in order; throws {@link GraphModelError} at the first inconsistency. */
  applyAll(events: Iterable<MutationEvent>): this {
    for (const e of events) this.apply(e)
    return this
  }

  /** Applies one event; throws {@link GraphModelError} when it does not fit. */
  apply(e: MutationEvent): void {
    const fail = (reason: string): never => {
      throw new GraphModelError(this.applied, e, reason)
    }
    const node = (id: bigint) => this.nodes.get(id) ?? fail(`node ${id} does not exist`)
    const rel = (id: bigint) => this.relationships.get(id) ?? fail(`relationship ${id} does not exist`)
    switch (e._tag) {
      case "CreateNode":
        if (this.nodes.has(e.id)) fail(`node ${e.id} already exists`)
        this.nodes.set(e.id, { id: e.id, labels: [...e.labels], properties: new Map(e.properties) })
        break
      case "CreateRelationship":
        if (this.relationships.has(e.id)) fail(`relationship ${e.id} already exists`)
        node(e.src)
        node(e.dst)
        this.relationships.set(e.id, { id: e.id, type: e.relType, src: e.src, dst: e.dst, properties: new Map(e.properties) })
        break
      case "SetNodeProperty":
        node(e.nodeId).properties.set(e.key, e.value)
        break
      case "RemoveNodeProperty":
        node(e.nodeId).properties.delete(e.key)
        break
      case "AddNodeLabel": {
        const n = node(e.nodeId)
        if (!n.labels.includes(e.label)) n.labels.push(e.label)
        break
      }
      case "RemoveNodeLabel": {
        const n = node(e.nodeId)
        const i = n.labels.indexOf(e.label)
        if (i >= 0) n.labels.splice(i, 1)
        break
      }
      case "SetRelationshipProperty":
        rel(e.relId).properties.set(e.key, e.value)
        break
      case "RemoveRelationshipProperty":
        rel(e.relId).properties.delete(e.key)
        break
      case "DeleteRelationship":
        rel(e.relId)
        this.relationships.delete(e.relId)
        break
      case "DeleteNode": {
        node(e.nodeId)
        for (const r of this.relationships.values()) {
          if (r.src === e.nodeId || r.dst === e.nodeId) fail(`node ${e.nodeId} still has relationship ${r.id}`)
        }
        this.nodes.delete(e.nodeId)
        break
      }
      case "DetachDeleteNode":
        if (!this.nodes.has(e.nodeId)) break
        for (const r of [...this.relationships.values()]) {
          if (r.src === e.nodeId || r.dst === e.nodeId) this.relationships.delete(r.id)
        }
        this.nodes.delete(e.nodeId)
        break
      case "Clear":
        this.nodes.clear()
        this.relationships.clear()
        this.indexes.clear()
        this.constraints.clear()
        break
      case "CreateIndex": {
        this.indexEvents.push(e)
        const name = e.request.explicitName ?? derivedIndexName(e.request)
        if (this.indexes.has(name)) {
          if (!e.ifNotExists) fail(`index ${name} already exists`)
        } else this.indexes.set(name, { name, request: e.request })
        break
      }
      case "DropIndex":
        this.indexEvents.push(e)
        if (!this.indexes.delete(e.name) && !e.ifExists) fail(`index ${e.name} does not exist`)
        break
      case "CreateConstraint":
        this.constraintEvents.push(e)
        if (this.constraints.has(e.request.name)) {
          if (!e.ifNotExists) fail(`constraint ${e.request.name} already exists`)
        } else this.constraints.set(e.request.name, e.request)
        break
      case "DropConstraint":
        this.constraintEvents.push(e)
        if (!this.constraints.delete(e.name) && !e.ifExists) fail(`constraint ${e.name} does not exist`)
        break
    }
    this.applied++
  }

  /** The normalised state (copies; later events do not change it). */
  snapshot(): GraphSnapshot {
    const byId = <T extends { readonly id: bigint }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
    const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
    return {
      nodes: [...this.nodes.values()].sort(byId).map((n) => ({
        id: n.id,
        labels: [...n.labels],
        properties: sortedEntries(n.properties)
      })),
      relationships: [...this.relationships.values()].sort(byId).map((r) => ({
        id: r.id,
        type: r.type,
        src: r.src,
        dst: r.dst,
        properties: sortedEntries(r.properties)
      })),
      indexes: [...this.indexes.values()].sort((a, b) => byName(a.name, b.name)),
      constraints: [...this.constraints.values()].sort((a, b) => byName(a.name, b.name))
    }
  }
}
