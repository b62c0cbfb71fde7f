/* leafscope-engine.h: the engine's whole public API in one include.
 * Clients (leafscope-cli, the window) may include this or the module
 * headers it lists; internal headers (kernels, pickle reader, JSON
 * loading, GPT-2's forward pass, the sampler, prompts) are not visible
 * to them. */
#pragma once

#include "ls-error.h"
#include "cpu.h"
#include "model-config.h"
#include "safetensors.h"
#include "checkpoint.h"
#include "vit.h"
#include "bpe.h"
#include "generate.h"
#include "image.h"
#include "pixels.h"
#include "heatmap.h"
#include "attention-map.h"
#include "evidence.h"
#include "findings.h"
#include "scope.h"
#include "calibrate.h"
#include "diagnose.h"
#include "dataset.h"
#include "metrics.h"
#include "labels.h"
