// Knative Serving v0.50.0 → net-higress with `--readiness written` (Ready as soon as everything is written).
import { servingScenarios } from './scenarios.js';

servingScenarios('written');
