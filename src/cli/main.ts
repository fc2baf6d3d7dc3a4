#!/usr/bin/env node
/**
 * Entry point of the `effect-wal` command (package `bin`). See `docs/cli.md`.
 *
 * Deep imports of the Node platform modules keep the start-up short (the
 * `@effect/platform-node` barrel loads HTTP, sockets and more).
 *
 * @module
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect, Layer } from "effect"
import { Command } from "effect/cli"
import { FileIo } from "../io/FileIo.js"
import { cli, VERSION } from "./Commands.js"
import { Output } from "./Common.js"

// `effect-wal dump … | head` closes the pipe early: stop quietly instead of failing with EPIPE.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0)
  throw e
})

cli.pipe(
  Command.run({ version: VERSION }),
  Effect.provide(Layer.mergeAll(NodeServices.layer, FileIo.layerNode, Output.layerNode)),
  NodeRuntime.runMain
)
