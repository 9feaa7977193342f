# Echolot on Airflow: the official Airflow image plus Echolot, installed with the committed lock.
# The tag's Airflow and Python versions must match constraints.txt and pyproject.toml
# (tests/test_compose.py checks both).
FROM apache/airflow:3.3.2-python3.11

# Echolot's source tree lives in /opt/echolot, owned by the airflow user.
USER root
RUN mkdir -p /opt/echolot && chown airflow:0 /opt/echolot
USER airflow
WORKDIR /opt/echolot

# Every package pyproject.toml ships (tests/test_compose.py derives the list from it).
COPY --chown=airflow:0 pyproject.toml constraints.txt README.md ./
COPY --chown=airflow:0 echolot/ echolot/
COPY --chown=airflow:0 ingest/ ingest/
COPY --chown=airflow:0 nlp/ nlp/
COPY --chown=airflow:0 reach/ reach/
COPY --chown=airflow:0 routing/ routing/
COPY --chown=airflow:0 sql/ sql/
# Defaults only: docker-compose.yml mounts the host's dags/ and config/ over these two.
COPY --chown=airflow:0 dags/ dags/
COPY --chown=airflow:0 config/ config/

# Same lock as `make`: every version comes from constraints.txt, including apache-airflow (equal
# to the base image's, so nothing in the image is up- or downgraded).
# Editable on purpose: echolot.migrations reads sql/migrations from the source tree, and a wheel
# install does not ship sql/, so `echolot db migrate` would find no migrations at all.
# torch==2.13.0 is pinned without a local tag; the PyTorch CPU index serves 2.13.0+cpu, which
# satisfies the pin and wins over PyPI's CUDA build. `pip check` fails the build if the lock
# conflicts with the providers preinstalled in the base image (celery, fab, postgres).
RUN pip install --no-cache-dir \
        --index-url https://pypi.org/simple \
        --extra-index-url https://download.pytorch.org/whl/cpu \
        -c constraints.txt -e . \
    && pip check

WORKDIR /opt/airflow
