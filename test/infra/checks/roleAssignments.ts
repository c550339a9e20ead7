/** The role assignments infra/ makes, with principals followed through module params to their source. */
import type { BicepFile } from '../bicep/declarations.js';
import type { Infra, Value } from '../bicep/infra.js';
import { property } from '../bicep/syntax.js';
import { resources, safeEvaluate } from './resources.js';

/** One role assignment: who gets which built-in role, from which file. */
export interface RoleAssignment {
  readonly name: string;
  readonly file: BicepFile;
  /** The principal expression, followed through module params to where it comes from. */
  readonly principal: string;
  /** The role definition GUID. */
  readonly roleId: string;
  readonly principalType: Value | undefined;
}

/** Every declared `Microsoft.Authorization/roleAssignments`, with the role's GUID and the principal's source. */
export function roleAssignments(infra: Infra): RoleAssignment[] {
  return resources(infra, 'Microsoft.Authorization/roleAssignments').map((r) => {
    const role = property(r.body, 'properties', 'roleDefinitionId');
    const principal = property(r.body, 'properties', 'principalId');
    const principalType = property(r.body, 'properties', 'principalType');
    const roleResourceId = role ? infra.evaluate(r.file, role) : '';
    const roleId = typeof roleResourceId === 'string' ? (roleResourceId.split('/').pop() ?? '') : '';
    return {
      name: r.decl.name,
      file: r.file,
      principal: principal ? infra.source(r.file, principal) : '',
      roleId,
      principalType: principalType ? safeEvaluate(infra, r.file, principalType) : undefined,
    };
  });
}
