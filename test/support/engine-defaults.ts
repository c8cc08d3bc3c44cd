import { engineConfigOf } from '../../src/engine-options.js';
import { configSchema } from '../../src/config/schema.js';
import type { EngineConfig } from '../../src/engine/engine-config.js';

/** The engine settings of an empty configuration file: the schema's defaults, mapped as the app maps them. */
export const DEFAULT_ENGINE_CONFIG: EngineConfig = engineConfigOf(configSchema.parse({}));
