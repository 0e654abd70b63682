// bench_simulate.py's peer: decide every simulation of a JSON-lines file with iam-simulate's runSimulation.
//
//   node peer.mjs FILE            one {"id", "simulation"} per line; prints one {"id", "decision"} per line
//
// runSimulation is iam-simulate's public entry point (validation, iam-data look-ups, evaluation); its
// lower-level authorize() skips validation and takes pre-loaded policies. A batch user validates each distinct
// policy document once with iam-policy's createValidatedPolicy, which runSimulation then reuses instead of
// validating again, so this script does that (keyed by the document's text and its kind). `--no-reuse` passes the
// raw documents instead (every case validates its policies anew).
import { readFileSync } from 'node:fs'
import {
  createValidatedPolicy, validateEndpointPolicy, validateIdentityPolicy, validateResourceControlPolicy,
  validateResourcePolicy, validateServiceControlPolicy
} from '@cloud-copilot/iam-policy'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const args = process.argv.slice(2)
const reuse = !args.includes('--no-reuse')
const file = args.find((a) => !a.startsWith('--'))
if (!file) {
  process.stderr.write('usage: node peer.mjs [--no-reuse] FILE\n')
  process.exit(2)
}

const DECISIONS = { Allowed: 'allowed', ExplicitlyDenied: 'explicitDeny', ImplicitlyDenied: 'implicitDeny' }
const cache = new Map()

function validated(policy, kind, validate) {
  if (!reuse) return policy
  const key = kind + JSON.stringify(policy)
  let got = cache.get(key)
  if (got === undefined) {
    got = createValidatedPolicy(policy, validate)
    cache.set(key, got)
  }
  return got
}

const named = (list, kind, validate) =>
  list.map((p) => ({ name: p.name, policy: validated(p.policy, kind, validate) }))
const levels = (list, kind, validate) =>
  list.map((l) => ({ orgIdentifier: l.orgIdentifier, policies: named(l.policies, kind, validate) }))

function prepare(s) {
  const out = {
    request: s.request,
    identityPolicies: named(s.identityPolicies, 'identity', validateIdentityPolicy),
    serviceControlPolicies: levels(s.serviceControlPolicies, 'scp', validateServiceControlPolicy),
    resourceControlPolicies: levels(s.resourceControlPolicies, 'rcp', validateResourceControlPolicy)
  }
  if (s.permissionBoundaryPolicies)
    out.permissionBoundaryPolicies = named(s.permissionBoundaryPolicies, 'identity', validateIdentityPolicy)
  if (s.vpcEndpointPolicies) out.vpcEndpointPolicies = named(s.vpcEndpointPolicies, 'endpoint', validateEndpointPolicy)
  if (s.resourcePolicy) out.resourcePolicy = validated(s.resourcePolicy, 'resource', validateResourcePolicy)
  if (s.sessionPolicy) out.sessionPolicy = validated(s.sessionPolicy, 'identity', validateIdentityPolicy)
  return out
}

const out = []
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line) continue
  const { id, simulation } = JSON.parse(line)
  const result = await runSimulation(reuse ? prepare(simulation) : simulation, {})
  if (result.resultType === 'error') {
    out.push(JSON.stringify({ id, error: result.errors.message }))
  } else {
    out.push(JSON.stringify({ id, decision: DECISIONS[result.overallResult] ?? result.overallResult }))
  }
}
process.stdout.write(out.join('\n') + '\n')
