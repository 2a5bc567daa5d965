import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys the secured digital asset platform: the IssuanceRules, RegisterRules and LedgerMigration libraries and the
 * SecuredAssetLedger linked to them.
 * Parameters: `authority` (admin of all roles, keeper of the registers), `operator` (first platform operator; it
 * still needs a permit from the authority to post), `verifier` (first collateral verifier). The deployer receives
 * no role.
 */
export default buildModule("SecuredAssetPlatform", (m) => {
  const authority = m.getParameter<string>("authority");
  const operator = m.getParameter<string>("operator");
  const verifier = m.getParameter<string>("verifier");

  const issuanceRules = m.library("IssuanceRules");
  const registerRules = m.library("RegisterRules");
  const ledgerMigration = m.library("LedgerMigration");
  const ledger = m.contract("SecuredAssetLedger", [authority, operator, verifier], {
    libraries: { IssuanceRules: issuanceRules, RegisterRules: registerRules, LedgerMigration: ledgerMigration },
  });

  return { ledger, issuanceRules, registerRules, ledgerMigration };
});
