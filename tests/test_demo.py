import io

from sklearn_autoencoders._demo import main, run, run_few_labels


def test_demo_prints_a_row_per_model():
    out = io.StringIO()
    rows = run(n_components=8, max_iter=3, file=out)
    text = out.getvalue()
    assert "PCA" in text and "DenoisingAutoencoder" in text
    for seconds, clean, noisy, accuracy in rows.values():
        assert seconds >= 0 and clean > 0 and noisy > 0 and 0 <= accuracy <= 1


def test_demo_few_labels_table():
    out = io.StringIO()
    rows = run_few_labels(max_iter=3, file=out)
    assert "training labels" in out.getvalue() and len(rows) == 5
    assert all(0 <= accuracy <= 1 for _, accuracy in rows.values())


def test_demo_command_line(capsys):
    main(["--n-components", "4", "--max-iter", "3"])
    out = capsys.readouterr().out
    assert "code size 4" in out and "MLPClassifier" in out
