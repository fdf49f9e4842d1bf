"""Writes the small input files of the version-1 model fixtures (deterministic, numpy only).

numeric.csv  : 48 rows x 12 features in [0, 1], a 3-factor structure plus noise, header f0..f11.
labelled.csv : 60 rows x 8 numeric features and a 'label' column (0 normal, 1 anomaly; 6 anomalies far from the bulk).
tabular.csv  : 60 rows: 5 numeric columns, a categorical 'proto' (tcp/udp/icmp), a 'label' column (normal/attack).
"""
import numpy as np

rng = np.random.default_rng(20261130)

# numeric.csv
z = rng.uniform(size=(48, 3))
w = rng.uniform(-1, 1, size=(3, 12))
x = 1 / (1 + np.exp(-(z @ w * 2 + rng.normal(scale=0.2, size=(48, 12)))))
with open("numeric.csv", "w") as f:
    f.write(",".join(f"f{j}" for j in range(12)) + "\n")
    for row in x:
        f.write(",".join(f"{v:.6f}" for v in row) + "\n")

# labelled.csv
z = rng.normal(size=(60, 2))
w = rng.normal(size=(2, 8))
x = z @ w + rng.normal(scale=0.1, size=(60, 8))
label = np.zeros(60, dtype=int)
label[-6:] = 1
x[-6:] += rng.normal(scale=3.0, size=(6, 8))
with open("labelled.csv", "w") as f:
    f.write(",".join(f"x{j}" for j in range(8)) + ",label\n")
    for row, l in zip(x, label):
        f.write(",".join(f"{v:.6f}" for v in row) + f",{l}\n")

# tabular.csv
protos = np.array(["tcp", "udp", "icmp"])
p = rng.choice(3, size=60, p=[0.6, 0.3, 0.1])
num = rng.normal(size=(60, 5)) + p[:, None] * 0.5
lab = np.array(["normal"] * 60, dtype=object)
lab[-5:] = "attack"
num[-5:] += 4.0
with open("tabular.csv", "w") as f:
    f.write("duration,bytes_in,bytes_out,packets,errors,proto,label\n")
    for row, pi, l in zip(num, p, lab):
        f.write(",".join(f"{v:.5f}" for v in row) + f",{protos[pi]},{l}\n")
