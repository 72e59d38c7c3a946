"""The project's NLU components give Rasa's results faster: the sentence-only featurizer gives
the stock featurizer's sentence features, the classifier the same probabilities."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.core.agent import Agent
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.classifier import TfidfLogisticRegressionClassifier
from bot.nlu.featurizer import SentenceCountVectorsFeaturizer
from tests.conftest import QUESTIONS

TEXTS = QUESTIONS


@pytest.fixture(scope="module")
def nodes(trained_agent: Agent) -> dict:
    runner = trained_agent.processor.graph_runner
    return {name: node._component for name, node in runner._instantiated_nodes.items()}


def _tokenized(nodes: dict, text: str) -> Message:
    tokenizer = next(c for c in nodes.values() if type(c).__name__ == "VietnameseTokenizer")
    return tokenizer.process([Message(data={TEXT: text})])[0]


def test_sentence_featurizer_gives_rasas_sentence_features_only(nodes: dict) -> None:
    featurizers = [c for c in nodes.values() if isinstance(c, SentenceCountVectorsFeaturizer)]
    assert len(featurizers) == 2
    for ours in featurizers:
        stock = CountVectorsFeaturizer(
            ours._config,
            ours._model_storage,
            ours._resource,
            ExecutionContext(GraphSchema({}), node_name=ours._identifier),
            vectorizers=ours.vectorizers,
            oov_token=ours.OOV_token,
            oov_words=ours.OOV_words,
        )
        for text in TEXTS:
            mine, theirs = _tokenized(nodes, text), _tokenized(nodes, text)
            ours.process([mine])
            stock.process([theirs])
            sequence, sentence = mine.get_sparse_features(TEXT)
            assert sequence is None
            expected = theirs.get_sparse_features(TEXT)[1].features
            assert sentence.features.nnz > 0
            assert np.array_equal(sentence.features.toarray(), expected.toarray())


def test_classifier_gives_the_probabilities_of_row_major_coefficients(nodes: dict) -> None:
    classifier = next(c for c in nodes.values() if isinstance(c, TfidfLogisticRegressionClassifier))
    featurizers = [c for c in nodes.values() if isinstance(c, SentenceCountVectorsFeaturizer)]
    regression = classifier.clf.named_steps["logistic_regression"]
    assert regression.coef_.flags.f_contiguous
    messages = [_tokenized(nodes, text) for text in TEXTS]
    for featurizer in featurizers:
        featurizer.process(messages)
    X = classifier._create_X(messages)
    assert X.shape[0] == len(TEXTS)
    assert all((classifier._create_X([m]) != X[i]).nnz == 0 for i, m in enumerate(messages))
    loaded = classifier.clf.predict_proba(X)
    coefficients = regression.coef_
    try:
        regression.coef_ = np.ascontiguousarray(coefficients)
        assert np.array_equal(loaded, classifier.clf.predict_proba(X))
    finally:
        regression.coef_ = coefficients
