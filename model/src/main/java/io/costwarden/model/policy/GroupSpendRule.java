package io.costwarden.model.policy;

/**
 * A rule on a group's live spend. Groups are a tag's values ({@code team=ml-research}) or accounts;
 * {@code gpu-only} narrows the sum to resources with accelerators.
 */
public sealed interface GroupSpendRule extends Detector permits SpendRateRule, BudgetRule, BurnRateRule {
    String groupBy();

    boolean gpuOnly();
}
