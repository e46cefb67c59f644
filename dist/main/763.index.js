export const id = 763;
export const ids = [763];
export const modules = {

/***/ 4763:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   fetchPublicCredential: () => (/* binding */ fetchPublicCredential)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_ecr_public__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9821);
/* harmony import */ var _constants_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7242);
/* harmony import */ var _aws_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(5148);
/* harmony import */ var _aws_client_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6424);
/* harmony import */ var _credential_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(3302);





/** Fetches the ECR Public credential; loaded only when ECR Public is asked for. */
async function fetchPublicCredential(options) {
    const client = new _aws_sdk_client_ecr_public__WEBPACK_IMPORTED_MODULE_4__/* .ECRPUBLICClient */ .Rr({
        ...(0,_aws_client_js__WEBPACK_IMPORTED_MODULE_2__/* .clientConfig */ .yO)(_constants_js__WEBPACK_IMPORTED_MODULE_0__/* .PUBLIC_REGION */ .Ne, options.proxy),
        ...(options.credentials ? { credentials: options.credentials } : {}),
    });
    const watch = (0,_aws_client_js__WEBPACK_IMPORTED_MODULE_2__/* .logRetries */ .zh)(client, 'ECR Public GetAuthorizationToken');
    try {
        const { deadline } = options;
        const sent = client.send(new _aws_sdk_client_ecr_public__WEBPACK_IMPORTED_MODULE_4__/* .GetAuthorizationTokenCommand */ .Eu({}), {
            abortSignal: deadline.signal,
        });
        const answer = await deadline.race(sent).catch((e) => {
            throw (0,_aws_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .awsError */ .e)(e, 'ecr-public', _constants_js__WEBPACK_IMPORTED_MODULE_0__/* .PUBLIC_REGION */ .Ne, watch, deadline);
        });
        const { authorizationToken: token, expiresAt } = answer.authorizationData ?? {};
        if (!token || !(expiresAt instanceof Date)) {
            throw new Error('ECR Public answered GetAuthorizationToken without a token or expiry.');
        }
        return {
            host: _constants_js__WEBPACK_IMPORTED_MODULE_0__/* .PUBLIC_REGISTRY */ .uD,
            region: _constants_js__WEBPACK_IMPORTED_MODULE_0__/* .PUBLIC_REGION */ .Ne,
            expiresAt,
            ...(0,_credential_js__WEBPACK_IMPORTED_MODULE_3__/* .decodeToken */ .o)(token, options.maskPassword),
        };
    }
    finally {
        client.destroy();
    }
}


/***/ })

};
