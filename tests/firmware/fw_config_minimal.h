/*
 * The firmware example as the minimal profile builds it: the board's limits
 * of fw_config.h and the feature switches of giofetch/config_minimal.h
 * (named by -DGF_CONFIG_FILE='"fw_config_minimal.h"' for the core and the
 * example alike).
 */
#ifndef FW_CONFIG_MINIMAL_H
#define FW_CONFIG_MINIMAL_H

#include "fw_config.h"
#include "giofetch/config_minimal.h"

#endif
