# One image for the API and the worker (compose.yaml picks the command).
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-jpn poppler-utils fonts-ipafont-gothic fonts-ipafont-mincho \
      fonts-ocr-b fonts-seto fonts-klee fonts-kiloji \
      fonts-yozvox-yozfont-standard-kana fonts-aoyagi-soseki fonts-kouzan-mouhitsu \
      fonts-yusei-magic fonts-stick fonts-rocknroll fonts-motoya-l-maruberi fonts-komatuna \
      fonts-ipaexfont-gothic fonts-takao-gothic fonts-vlgothic fonts-sawarabi-mincho \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 yoshin
WORKDIR /app
COPY pyproject.toml ./
COPY yoshin ./yoshin
COPY models ./models
COPY accounts ./accounts
COPY ocr ./ocr
COPY intake ./intake
COPY workers ./workers
COPY review_ui ./review_ui
COPY ledger ./ledger
COPY samples ./samples
RUN pip install --no-cache-dir -e .

USER yoshin
ENV YOSHIN_HOME=/data
VOLUME ["/data"]
EXPOSE 8000
CMD ["yoshin", "serve", "--host", "0.0.0.0", "--port", "8000"]
