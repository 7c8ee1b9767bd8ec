// Knative Serving v0.50.0 → net-higress with the default `--readiness probe`: stand-in Higress gateway pods
// answer the Knative probe for the routes net-higress wrote before a KIngress is Ready.
import { servingScenarios } from './scenarios.js';

servingScenarios('probe');
