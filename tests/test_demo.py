import io

from sklearn_autoencoders._demo import main, run


def test_demo_prints_a_row_per_model():
    out = io.StringIO()
    rows = run(n_components=8, max_iter=3, file=out)
    text = out.getvalue()
    assert "PCA" in text and "DenoisingAutoencoder" in text
    for seconds, clean, noisy, accuracy in rows.values():
        assert seconds >= 0 and clean > 0 and noisy > 0 and 0 <= accuracy <= 1


def test_demo_command_line(capsys):
    main(["--n-components", "4", "--max-iter", "2"])
    assert "code size 4" in capsys.readouterr().out
