/**
 * LoraDB's event model and its LW1 payload codec:
 *
 * - `MutationEvent` (16 variants) and `PropertyValue` (16 variants) as Effect
 *   Schemas plus TS types, with `Pv.*` / `properties()` constructors;
 * - the DDL requests of CreateIndex / CreateConstraint and lora-store's codec
 *   for them;
 * - `LW1Codec`, the `EventCodec<MutationEvent>` the log uses by default, its
 *   plain encode/decode functions, and the Schema transformations
 *   `MutationEventFromBytes` / `MutationBatchFromBytes`.
 *
 * @module
 */
export {
  ConfigValue,
  ConstraintKind,
  ConstraintRequest,
  decodeConstraintRequest,
  decodeIndexRequest,
  encodeConstraintRequest,
  encodeIndexRequest,
  ENTITY_KINDS,
  EntityKind,
  INDEX_KINDS,
  IndexKind,
  IndexRequest,
  PropertyTypeTerm,
  SCALAR_TYPES,
  ScalarType,
  VECTOR_COORDS,
  VectorCoord
} from "./Ddl.js"
export {
  decodeBatch,
  decodeBatchEffect,
  decodeEventEffect,
  decodeSingle,
  encodeBatch,
  encodeBatchEffect,
  encodeEventEffect,
  encodeSingle,
  LW1_MAGIC,
  LW1Codec,
  MutationBatchFromBytes,
  MutationEventFromBytes,
  readBatch,
  readEvent,
  readSingle,
  readValue,
  walErrorFromSchemaError,
  writeBatch,
  writeEvent,
  writeSingle,
  writeValue
} from "./LW1.js"
export { EntityId, MUTATION_TAGS, MutationEvent, type MutationEventOf } from "./MutationEvent.js"
export {
  I32,
  I64,
  properties,
  Properties,
  PropertyValue,
  type PropertyValueOf,
  Pv,
  type PvBinary,
  type PvBool,
  type PvDate,
  type PvDateTime,
  type PvDuration,
  type PvFloat,
  type PvInt,
  type PvList,
  type PvLocalDateTime,
  type PvLocalTime,
  type PvMap,
  type PvNull,
  type PvPoint,
  type PvString,
  type PvTime,
  type PvVector,
  U32,
  Utf8String,
  type VectorValues
} from "./PropertyValue.js"
export { eventFromJson, eventToJson, EventJsonError, type JsonObject, type JsonValue, valueFromJson, valueToJson, VECTOR_COORDINATES, type VectorCoordinate } from "./Json.js"
