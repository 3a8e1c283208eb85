"""The Jacobians of softmax and log-softmax, by autograd and by formula (float64)."""
# snippet-engine: devices=cpu,cuda

import torch
from torch.autograd.functional import jacobian

DEVICE = "cpu"  # "cuda" runs this snippet on a GPU

# float64, so that what we compare is the formula, not float32 rounding.
z = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64, device=DEVICE)
ROW_SUM_TOL = 1e-15  # how close to 0 a row sum of the float64 Jacobian must be

# --8<-- [start:softmax]
q = torch.softmax(z, dim=0)
J = jacobian(lambda v: torch.softmax(v, dim=0), z)  # J[j, k] = d q_j / d z_k
J_formula = torch.diag(q) - torch.outer(q, q)
print("autograd Jacobian of softmax:")
print(J)
print("diag(q) - q q^T matches  :", torch.allclose(J, J_formula, rtol=1e-14, atol=1e-15))
print("symmetric                :", torch.allclose(J, J.T, rtol=1e-14, atol=1e-15))
print(f"rows sum to 0 (to {ROW_SUM_TOL:g})  :", bool((J.sum(dim=1).abs() < ROW_SUM_TOL).all()))
# --8<-- [end:softmax]

# --8<-- [start:log_softmax]
J_log = jacobian(lambda v: torch.log_softmax(v, dim=0), z)  # d log q_j / d z_k
J_log_formula = torch.eye(3, dtype=z.dtype, device=DEVICE) - q.expand(3, 3)  # row j: e_j - q
print("autograd Jacobian of log_softmax:")
print(J_log)
print("I - 1 q^T matches:", torch.allclose(J_log, J_log_formula, rtol=1e-14, atol=1e-15))

# Backpropagation never builds the matrix: it needs only g^T J for the
# incoming gradient g, and for log-softmax that is g - q * sum(g).
g = torch.tensor([0.0, -1.0, 0.0], dtype=torch.float64, device=DEVICE)  # -onehot(1): the NLL's gradient
vjp = g @ J_log
print("g^T J_log        =", vjp)
print("g - q * sum(g)   =", g - q * g.sum())
# --8<-- [end:log_softmax]

VALUES = {
    "logits": z.tolist(),
    "softmax": q.tolist(),
    "jacobian": J.tolist(),
    "jacobian_matches_formula": torch.allclose(J, J_formula, rtol=1e-14, atol=1e-15),
    "jacobian_symmetric": torch.allclose(J, J.T, rtol=1e-14, atol=1e-15),
    "row_sum_tolerance": ROW_SUM_TOL,
    "jacobian_rows_sum_to_zero": bool((J.sum(dim=1).abs() < ROW_SUM_TOL).all()),
    "log_jacobian": J_log.tolist(),
    "log_jacobian_matches_formula": torch.allclose(J_log, J_log_formula, rtol=1e-14, atol=1e-15),
    "upstream": g.tolist(),
    "vjp": vjp.tolist(),
}
