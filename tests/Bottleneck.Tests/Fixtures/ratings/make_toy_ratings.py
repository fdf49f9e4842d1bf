#!/usr/bin/python3
"""Writes toy.tsv and toy_test.tsv: a small generated ratings data set for the recommendation tests (MovieLens itself may not
be redistributed, so no MovieLens row is committed).

60 users (ids 1..60) and 40 items (ids 101..140) in two taste groups: users 1..30 rate items 101..120 high (4-5) and items
121..140 low (1-2); users 31..60 the other way round. Each user rates a seeded random 40% of the items; 80% of each user's
ratings go to toy.tsv and 20% to toy_test.tsv. Layout: user TAB item TAB rating TAB timestamp (as MovieLens u.data).
Run: /usr/bin/python3 make_toy_ratings.py
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(14)
train, test = [], []
for user in range(1, 61):
    group = 0 if user <= 30 else 1
    items = [i for i in range(101, 141) if rng.random() < 0.4]
    rng.shuffle(items)
    cut = int(round(0.8 * len(items)))
    for k, item in enumerate(items):
        liked = (item <= 120) == (group == 0)
        rating = rng.choice([4, 5]) if liked else rng.choice([1, 2])
        row = f"{user}\t{item}\t{rating}\t{880000000 + rng.randrange(1000000)}\n"
        (train if k < cut else test).append(row)
with open(os.path.join(HERE, "toy.tsv"), "w") as f:
    f.writelines(train)
with open(os.path.join(HERE, "toy_test.tsv"), "w") as f:
    f.writelines(test)
