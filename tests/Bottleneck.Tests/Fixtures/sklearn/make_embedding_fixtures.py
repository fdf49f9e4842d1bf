#!/usr/bin/python3
"""Reference values for Bottleneck.Evaluation's embedding code (projections, t-SNE, trustworthiness, embedding metrics),
computed with scikit-learn.

Codes: the first 600 rows of UCI optdigits' test set (= sklearn.datasets.load_digits; ../shared/data/digits/optdigits.tes)
projected onto their first 10 principal components (PCA fitted on all 1,797 rows; what a `pca` model with latentDim 10
gives), stored as float32 (9 significant digits round-trip exactly). On these codes:
  silhouette_score(codes, labels); KMeans(10, n_init=10, random_state=0) assignments, inertia, and the NMI, ARI and
  silhouette of those fixed assignments; extra NMI/ARI label pairs; StratifiedKFold(5) test folds; kNN (k=5) and linear
  probe (StandardScaler + multinomial LogisticRegression, C=1, tol=1e-10) accuracies over those folds; the probe's
  coefficients fitted on all rows; PCA(2, svd_solver="full") of the codes (in float64); TSNE (perplexity 30, init "pca",
  learning_rate "auto", random_state 0) exact and Barnes-Hut, with trustworthiness(k=10) of each map; trustworthiness of
  the PCA map for k = 5 and 10.

Usage: /usr/bin/python3 make_embedding_fixtures.py [path/to/optdigits.tes]
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.manifold import TSNE, trustworthiness
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(HERE, "..", "..", "..", "..", "..", "shared", "data", "digits", "optdigits.tes")


def f32(a):
    return [float("%.9g" % v) for v in np.asarray(a, dtype=np.float32).ravel()]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    raw = np.loadtxt(path, delimiter=",", dtype=np.float64)
    x, y = raw[:, :64], raw[:, 64].astype(int)
    codes = PCA(10, svd_solver="full").fit_transform(x).astype(np.float32)[:600]
    labels = y[:600]
    # Round trip through the stored text so sklearn sees exactly what the tests read.
    codes = np.array(f32(codes), dtype=np.float32).reshape(600, 10)

    km = KMeans(10, n_init=10, random_state=0).fit(codes)
    assign = km.labels_
    skf = StratifiedKFold(5)
    folds = np.zeros(len(labels), dtype=int)
    for f, (_, test) in enumerate(skf.split(codes, labels)):
        folds[test] = f
    knn = cross_val_score(KNeighborsClassifier(5), codes, labels, cv=skf).mean()

    def probe():
        return make_pipeline(StandardScaler(), LogisticRegression(multi_class="multinomial", C=1.0, tol=1e-10, max_iter=10000))
    probe_acc = cross_val_score(probe(), codes, labels, cv=skf).mean()
    full = probe().fit(codes, labels)
    lr = full[-1]

    pca2 = PCA(2, svd_solver="full").fit_transform(codes.astype(np.float64))
    tsne = {}
    for method in ("exact", "barnes_hut"):
        emb = TSNE(2, perplexity=30.0, init="pca", learning_rate="auto", random_state=0, method=method).fit(codes)
        tsne[method] = {"trustworthiness": float(trustworthiness(codes, emb.embedding_, n_neighbors=10)),
                        "kl_divergence": float(emb.kl_divergence_), "n_iter": int(emb.n_iter_),
                        "embedding": f32(emb.embedding_)}

    rng = np.random.RandomState(7)
    pairs = []
    for name, a, b in [("identical", labels, labels),
                       ("renamed", labels, (labels * 7 + 3) % 10),
                       ("random", labels, rng.randint(0, 4, 600)),
                       ("one_cluster", labels, np.zeros(600, dtype=int)),
                       ("small", np.array([0, 0, 1, 1, 2, 2]), np.array([0, 0, 1, 2, 2, 2]))]:
        pairs.append({"name": name, "true": [int(v) for v in a], "pred": [int(v) for v in b],
                      "nmi": float(normalized_mutual_info_score(a, b)), "ari": float(adjusted_rand_score(a, b))})

    out = {
        "sklearn": sklearn.__version__,
        "rows": 600, "dim": 10,
        "codes": f32(codes), "labels": [int(v) for v in labels],
        "silhouette": float(silhouette_score(codes, labels)),
        "kmeans": {"assignments": [int(v) for v in assign], "inertia": float(km.inertia_),
                   "nmi": float(normalized_mutual_info_score(labels, assign)),
                   "ari": float(adjusted_rand_score(labels, assign)),
                   "silhouette": float(silhouette_score(codes, assign))},
        "label_pairs": pairs,
        "folds": [int(v) for v in folds],
        "knn_accuracy": float(knn),
        "linear_probe_accuracy": float(probe_acc),
        "linear_probe_full": {"coef": lr.coef_.ravel().tolist(), "intercept": lr.intercept_.tolist(),
                              "mean": full[0].mean_.tolist(), "scale": full[0].scale_.tolist()},
        "pca2": pca2.ravel().tolist(),
        "trustworthiness_pca2": {"5": float(trustworthiness(codes, pca2, n_neighbors=5)),
                                 "10": float(trustworthiness(codes, pca2, n_neighbors=10))},
        "tsne": tsne,
    }
    with open(os.path.join(HERE, "embedding_fixtures.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
