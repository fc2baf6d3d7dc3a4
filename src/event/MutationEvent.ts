/**
 * `MutationEvent`: LoraDB's graph mutation (`lora_store::MutationEvent`), the
 * event type of the default LW1 codec, as an Effect Schema tagged union on
 * `_tag` (16 variants; the LW1 event tag is the variant's position, 1..16).
 *
 * | tag | `_tag` | fields |
 * |---|---|---|
 * | 1 | `CreateNode` | `id`, `labels`, `properties` |
 * | 2 | `CreateRelationship` | `id`, `src`, `dst`, `relType`, `properties` |
 * | 3 | `SetNodeProperty` | `nodeId`, `key`, `value` |
 * | 4 | `RemoveNodeProperty` | `nodeId`, `key` |
 * | 5 | `AddNodeLabel` | `nodeId`, `label` |
 * | 6 | `RemoveNodeLabel` | `nodeId`, `label` |
 * | 7 | `SetRelationshipProperty` | `relId`, `key`, `value` |
 * | 8 | `RemoveRelationshipProperty` | `relId`, `key` |
 * | 9 | `DeleteRelationship` | `relId` |
 * | 10 | `DeleteNode` | `nodeId` |
 * | 11 | `DetachDeleteNode` | `nodeId` |
 * | 12 | `Clear` | — |
 * | 13 | `CreateIndex` | `request: IndexRequest`, `ifNotExists` |
 * | 14 | `DropIndex` | `name`, `ifExists` |
 * | 15 | `CreateConstraint` | `request: ConstraintRequest`, `ifNotExists` |
 * | 16 | `DropConstraint` | `name`, `ifExists` |
 *
 * Ids (`id`, `src`, `dst`, `nodeId`, `relId`) are u64 `bigint`s. Strings must
 * be well-formed UTF-16. Labels keep their order; duplicates and empty
 * strings are allowed. Build events with `MutationEvent.cases.CreateNode.make({…})`
 * (validating) or as plain object literals (the encoder validates).
 *
 * @module
 */
import { Schema } from "effect"
import { U64 } from "../Lsn.js"
import { ConstraintRequest, IndexRequest } from "./Ddl.js"
import { Properties, PropertyValue, Utf8String } from "./PropertyValue.js"

/** Schema of a node id / relationship id (u64 as `bigint`). */
export const EntityId = U64

/** Schema of {@link MutationEvent}: `Schema.Union([...]).pipe(Schema.toTaggedUnion("_tag"))`. */
export const MutationEvent = Schema.Union([
  Schema.TaggedStruct("CreateNode", { id: U64, labels: Schema.Array(Utf8String), properties: Properties }),
  Schema.TaggedStruct("CreateRelationship", {
    id: U64,
    src: U64,
    dst: U64,
    relType: Utf8String,
    properties: Properties
  }),
  Schema.TaggedStruct("SetNodeProperty", { nodeId: U64, key: Utf8String, value: PropertyValue }),
  Schema.TaggedStruct("RemoveNodeProperty", { nodeId: U64, key: Utf8String }),
  Schema.TaggedStruct("AddNodeLabel", { nodeId: U64, label: Utf8String }),
  Schema.TaggedStruct("RemoveNodeLabel", { nodeId: U64, label: Utf8String }),
  Schema.TaggedStruct("SetRelationshipProperty", { relId: U64, key: Utf8String, value: PropertyValue }),
  Schema.TaggedStruct("RemoveRelationshipProperty", { relId: U64, key: Utf8String }),
  Schema.TaggedStruct("DeleteRelationship", { relId: U64 }),
  Schema.TaggedStruct("DeleteNode", { nodeId: U64 }),
  Schema.TaggedStruct("DetachDeleteNode", { nodeId: U64 }),
  Schema.TaggedStruct("Clear", {}),
  Schema.TaggedStruct("CreateIndex", { request: IndexRequest, ifNotExists: Schema.Boolean }),
  Schema.TaggedStruct("DropIndex", { name: Utf8String, ifExists: Schema.Boolean }),
  Schema.TaggedStruct("CreateConstraint", { request: ConstraintRequest, ifNotExists: Schema.Boolean }),
  Schema.TaggedStruct("DropConstraint", { name: Utf8String, ifExists: Schema.Boolean })
]).pipe(Schema.toTaggedUnion("_tag"))

/** A LoraDB mutation event. */
export type MutationEvent = typeof MutationEvent.Type

/** The variant of {@link MutationEvent} with tag `T`. */
export type MutationEventOf<T extends MutationEvent["_tag"]> = Extract<MutationEvent, { readonly _tag: T }>

/** The `_tag`s in LW1 tag order: `MUTATION_TAGS[t - 1]` is the variant of event tag `t`. */
export const MUTATION_TAGS = [
  "CreateNode",
  "CreateRelationship",
  "SetNodeProperty",
  "RemoveNodeProperty",
  "AddNodeLabel",
  "RemoveNodeLabel",
  "SetRelationshipProperty",
  "RemoveRelationshipProperty",
  "DeleteRelationship",
  "DeleteNode",
  "DetachDeleteNode",
  "Clear",
  "CreateIndex",
  "DropIndex",
  "CreateConstraint",
  "DropConstraint"
] as const satisfies ReadonlyArray<MutationEvent["_tag"]>
