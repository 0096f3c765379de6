/*
 * custos — the umbrella header: includes every public module header except custos/sys/.
 */
#ifndef CUSTOS_H
#define CUSTOS_H

/**
 * @file custos.h
 * @brief Includes every public custos header.
 * @defgroup custos custos
 *
 * custos keeps an organisation's customer records, encrypted field by field, behind
 * permission contexts. Start with custos_db_open(), then custos_ctx_open(), then the
 * customer functions.
 */

#include "custos/common.h"
#include "custos/version.h"
#include "custos/errors.h"
#include "custos/buffer.h"
#include "custos/global.h"
#include "custos/db.h"
#include "custos/access.h"
#include "custos/schema.h"
#include "custos/customer.h"
#include "custos/audit.h"
#include "custos/event.h"
#include "custos/batch.h"
#include "custos/history.h"
#include "custos/lifecycle.h"
#include "custos/maintain.h"
#include "custos/export.h"
#include "custos/consent.h"

#endif
