# The two commands (README): `make run` and `make test`.
BUILD ?= build
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: run test build bootstrap bench fuzz clean

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@if [ ! -f $(BUILD)/build.ninja ]; then cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS); fi
	@cmake --build $(BUILD)
	@scripts/build_web.sh

run: build
	@scripts/run.sh

# Two at a time: the suites mostly wait on servers, browsers and peers, and each has its own
# database, bucket prefix and ports (1,361 s against 1,978 s one at a time, on 2 cores).
test: build
	@cd $(BUILD) && ctest -j2 --output-on-failure --timeout 900

bench: build
	@bench/archive_bench.py
	@bench/dicomweb_bench.py
	@bench/viewer_bench.py
	@bench/backends_bench.py

# The fuzz targets under AddressSanitizer and UndefinedBehaviorSanitizer, mutating their
# seed corpus for FUZZ_SECONDS each (fuzz/standalone_driver.cpp explains why not libFuzzer).
FUZZ_SECONDS ?= 60
fuzz: bootstrap
	@if [ ! -f build-fuzz/build.ninja ]; then cmake -S . -B build-fuzz -G Ninja -DVIREO_SANITIZE=ON \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo; fi
	@cmake --build build-fuzz --target fuzz_credentials fuzz_j2k fuzz_dicom_ingest fuzz_multipart fuzz_http_head \
	  fuzz_json_bodies fuzz_frame_map fuzz_mrrt fuzz_pades
	@build-fuzz/fuzz/fuzz_credentials --seconds=$(FUZZ_SECONDS) fuzz/corpus/credentials
	@build-fuzz/fuzz/fuzz_j2k --seconds=$(FUZZ_SECONDS) fuzz/corpus/j2k
	@build-fuzz/fuzz/fuzz_multipart --seconds=$(FUZZ_SECONDS) fuzz/corpus/multipart
	@build-fuzz/fuzz/fuzz_http_head --seconds=$(FUZZ_SECONDS) fuzz/corpus/http_head
	@build-fuzz/fuzz/fuzz_json_bodies --seconds=$(FUZZ_SECONDS) fuzz/corpus/json
	@build-fuzz/fuzz/fuzz_mrrt --seconds=$(FUZZ_SECONDS) tests/fixtures/mrrt
	@build-fuzz/fuzz/fuzz_pades --seconds=$(FUZZ_SECONDS) fuzz/corpus/pades
	@build-fuzz/fuzz/fuzz_frame_map --seconds=$(FUZZ_SECONDS) ../shared/testdata/dicom/modality/XA_multiframe_jpeg.dcm \
	  ../shared/testdata/dicom/modality/NM_MONO2_16_13x_heart.dcm ../shared/testdata/dicom/modality/MR_enhanced_multiframe.dcm \
	  ../shared/testdata/dicom/modality/RTDOSE_rtdose.dcm ../shared/testdata/dicom/modality/US_PAL_8_10x_echo.dcm
	@build-fuzz/fuzz/fuzz_dicom_ingest --seconds=$(FUZZ_SECONDS) ../shared/testdata/dicom/malformed/derived \
	  ../shared/testdata/dicom/charset ../shared/testdata/dicom/structure/no_meta_CT_small.dcm \
	  ../shared/testdata/dicom/modality/MR_small.dcm ../shared/testdata/dicom/transfer_syntax/MR_small_implicit.dcm \
	  ../shared/testdata/dicom/transfer_syntax/MR_small_bigendian.dcm ../shared/testdata/dicom/transfer_syntax/image_dfl.dcm \
	  ../shared/testdata/dicom/transfer_syntax/MR_small_jpeg_ls_lossless.dcm ../shared/testdata/dicom/modality/SR_basic_text_reportsi.dcm

clean:
	rm -rf $(BUILD) build-fuzz
