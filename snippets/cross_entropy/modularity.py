"""Where the two-step API earns its place: models that already speak log-probabilities."""
# snippet-engine: devices=cpu,cuda

import torch
import torch.nn as nn

torch.manual_seed(0)
DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

features = torch.randn(4, 6).to(DEVICE)
targets = torch.tensor([0, 2, 1, 2], device=DEVICE)

# --8<-- [start:log_prob_head]
# A classifier whose forward() ends in LogSoftmax returns log-probabilities,
# which can be inspected and turned into probabilities at any time.
model = nn.Sequential(nn.Linear(6, 3), nn.LogSoftmax(dim=1)).to(DEVICE)
log_probs = model(features)
probs = log_probs.detach().exp()  # detached: inspection only, not training
print("row sums of exp(log_probs):", probs.sum(dim=1))
print("predicted classes          :", probs.argmax(dim=1))
print("confidence of prediction   :", probs.max(dim=1).values)
# Training on such a model takes NLLLoss, because the log-softmax is already done.
loss = nn.NLLLoss()(log_probs, targets)
print("NLLLoss                    :", f"{loss.item():.4f}")
# --8<-- [end:log_prob_head]

# --8<-- [start:mixture]
# A model that builds log-probabilities itself, not from one logit vector:
# a mixture of K softmax "experts" with mixing weights pi,
#   log p(j) = log sum_k pi_k softmax(z_k)_j
#            = logsumexp_k (log pi_k + log_softmax(z_k)_j).
class MixtureOfSoftmaxes(nn.Module):
    def __init__(self, in_features, num_classes, num_experts):
        super().__init__()
        self.num_classes, self.num_experts = num_classes, num_experts
        self.experts = nn.Linear(in_features, num_experts * num_classes)
        self.gate = nn.Linear(in_features, num_experts)

    def forward(self, x):
        z = self.experts(x).view(-1, self.num_experts, self.num_classes)
        log_pi = torch.log_softmax(self.gate(x), dim=1).unsqueeze(2)
        # Stay in log space throughout: log_softmax and logsumexp never
        # form a probability that could underflow to zero.
        return torch.logsumexp(log_pi + torch.log_softmax(z, dim=2), dim=1)


mixture = MixtureOfSoftmaxes(6, 3, num_experts=2).to(DEVICE)
mixture_log_probs = mixture(features)
normalised = torch.allclose(mixture_log_probs.logsumexp(dim=1),
                            torch.zeros(4, device=DEVICE), atol=1e-6)
print("log-probabilities normalised:", normalised)
print("NLLLoss on the mixture      :",
      f"{nn.NLLLoss()(mixture_log_probs, targets).item():.4f}")
# --8<-- [end:mixture]

# --8<-- [start:same_options]
# weight= and ignore_index= mean the same in both losses, so moving from one
# to the other loses nothing. Target -100 (the default ignore_index) is skipped.
logits = torch.randn(4, 3).to(DEVICE)
partial_targets = torch.tensor([0, -100, 1, 2], device=DEVICE)
class_weight = torch.tensor([1.0, 2.0, 0.5], device=DEVICE)
ce = nn.CrossEntropyLoss(weight=class_weight)(logits, partial_targets)
two_step = nn.NLLLoss(weight=class_weight)(nn.LogSoftmax(dim=1)(logits), partial_targets)
print("weighted, one target ignored, bit-for-bit equal:", torch.equal(ce, two_step))
# --8<-- [end:same_options]

VALUES = {
    "log_prob_rows_normalised": torch.allclose(probs.sum(dim=1), torch.ones(4, device=DEVICE)),
    "mixture_normalised": normalised,
    "weighted_ignore_equal": torch.equal(ce, two_step),
}
