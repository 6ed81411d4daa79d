-- 办件特别程序信息：每个结束的特别程序一行。
CREATE TABLE IF NOT EXISTS `up_pro_special_procedure` (
  `id` BIGINT NOT NULL AUTO_INCREMENT COMMENT '主键',
  `row_guid` VARCHAR(50) NOT NULL COMMENT '记录唯一标识',
  `project_no` VARCHAR(50) NOT NULL COMMENT '办件编号',
  `special_type` VARCHAR(2) NOT NULL COMMENT '特别程序种类',
  `special_name` VARCHAR(1000) NOT NULL COMMENT '特别程序种类名称',
  `special_reason` VARCHAR(2000) NOT NULL COMMENT '特别程序启动理由或依据',
  `special_time` DATETIME NOT NULL COMMENT '特别程序开始时间',
  `end_time` DATETIME NOT NULL COMMENT '特别程序结束时间',
  `special_explain` VARCHAR(2000) NULL COMMENT '特别程序办理意见',
  `result` VARCHAR(2000) NULL COMMENT '特别程序结果',
  `applyer_user_name` VARCHAR(100) NULL COMMENT '申请人',
  `handle_user` VARCHAR(100) NULL COMMENT '办理人',
  `remark` VARCHAR(1000) NULL COMMENT '备注',
  `cd_batch` VARCHAR(32) NOT NULL COMMENT '批次号',
  `cd_operation` VARCHAR(2) NOT NULL COMMENT '同步类型：I 新增，U 更新，D 删除',
  `cd_time` DATETIME NOT NULL COMMENT '同步时间',
  `data_source` VARCHAR(3) NOT NULL COMMENT '数据来源',
  PRIMARY KEY (`id`),
  KEY `up_pro_special_procedure_row_guid` (`row_guid`),
  KEY `up_pro_special_procedure_project_no` (`project_no`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='办件特别程序信息';
